"""The files in deploy/ are valid and use only metrics Satchel exports."""

import json
import os
import re
import subprocess

import pytest

from satchel_harness import request

DEPLOY = os.path.join(os.path.dirname(__file__), "..", "..", "deploy")
RULES = os.path.join(DEPLOY, "prometheus", "satchel-alerts.yml")
DASHBOARD = os.path.join(DEPLOY, "grafana", "satchel-dashboard.json")
METRIC_NAME = re.compile(r"\b((?:satchel|process)_[a-z_]+)")
# Recording rules are named "satchel:...", and are not exported metrics.
RECORDED_PREFIX = "satchel:"


def exported_families(server):
    text = request("GET", server.api + "/metrics").body.decode()
    return set(re.findall(r"^# TYPE (\S+) ", text, re.MULTILINE))


def referenced_metrics(text):
    names = set()
    for name in METRIC_NAME.findall(text):
        for suffix in ("_bucket", "_sum", "_count"):
            if name.endswith(suffix):
                name = name[: -len(suffix)]
        names.add(name)
    return names


def test_alert_rules_pass_promtool():
    checked = subprocess.run(["promtool", "check", "rules", RULES], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_dashboard_is_valid_json_with_panels():
    with open(DASHBOARD, encoding="utf-8") as handle:
        dashboard = json.load(handle)
    assert dashboard["panels"]
    for panel in dashboard["panels"]:
        assert panel["targets"], panel["title"]


@pytest.mark.parametrize("path", [RULES, DASHBOARD])
def test_files_use_only_exported_metrics(server, path):
    with open(path, encoding="utf-8") as handle:
        text = handle.read().replace(RECORDED_PREFIX, "")
    missing = referenced_metrics(text) - exported_families(server)
    assert not missing, sorted(missing)
