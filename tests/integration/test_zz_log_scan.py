"""Runs last (pytest takes files in name order): scans the logs of every
server this run started for tokens, signatures, secret keys and cookie
values. It also drives one flow of its own, so it checks real logs when run
alone."""

import glob
import os
import re

from satchel_harness import (LOG_ARCHIVE, OBSERVED_SECRETS, Client, Server, observe_secret,
                             request, sign_in)

COOKIE_VALUE = "session-cookie-value-d41d8cd98f00b204"

# Shapes of secrets, for values no test saw: a JWT, an Authorization header,
# a SigV4 signature in a URL or header, and AWS-style secret keys.
PATTERNS = {
    "JWT": re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"),
    "bearer credentials": re.compile(r"Bearer\s+[A-Za-z0-9._~+/-]{8,}"),
    "X-Amz-Signature": re.compile(r"X-Amz-Signature=[0-9a-f]{16,}", re.IGNORECASE),
    "SigV4 Authorization": re.compile(r"Signature=[0-9a-f]{64}"),
    "secret key": re.compile(r"(?i)secret_?access_?key\W{1,3}[A-Za-z0-9/+]{20,}"),
    "cookie": re.compile(re.escape(COOKIE_VALUE)),
}


def drive_one_flow():
    server = Server().start()
    try:
        server.store_credentials()
        tokens = sign_in(server, "alice", "acme")
        client = Client(server, tokens["id_token"])
        client.upload("scan.txt", b"scan me", "text/plain")
        client.download("scan.txt")
        client.call("GET", "/v1/objects", headers={"Cookie": "session=" + COOKIE_VALUE})
        request("GET", server.api + "/v1/objects",
                headers={"Authorization": "Bearer " + tokens["id_token"] + "x"})
        observe_secret(COOKIE_VALUE)
    finally:
        server.cleanup()


def test_logs_contain_no_secrets():
    drive_one_flow()
    logs = sorted(glob.glob(os.path.join(LOG_ARCHIVE, "*.log")))
    assert logs, "no server logs were collected"
    assert OBSERVED_SECRETS, "no secrets were recorded to look for"
    findings = []
    for path in logs:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
        for secret in OBSERVED_SECRETS:
            if len(secret) >= 8 and secret in text:
                findings.append(f"{os.path.basename(path)}: a value the tests used as a secret "
                                f"(starting {secret[:6]}...)")
        for name, pattern in PATTERNS.items():
            for match in pattern.finditer(text):
                findings.append(f"{os.path.basename(path)}: {name}: {match.group(0)[:24]}...")
    assert not findings, "\n".join(findings)
