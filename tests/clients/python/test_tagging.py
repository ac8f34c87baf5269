"""Object tagging on the embedded store, driven by AWS CLI v2 from Debian.
Tags written with put-object read back through get-object-tagging, and
put-object-tagging and delete-object-tagging replace and remove them.
Invalid tags get InvalidTag, and the API's key gets AccessDenied."""

import json
import os

import pytest

from test_lifecycle_lock import cli_for, fails_with, output


@pytest.fixture(scope="module")
def admin(store, tmp_path_factory):
    return cli_for(store, tmp_path_factory.mktemp("admin-home"), store["AWS_ACCESS_KEY_ID"],
                   store["AWS_SECRET_ACCESS_KEY"])


@pytest.fixture(scope="module")
def api(server, store, tmp_path_factory):
    with open(os.path.join(server.data_dir, "store", "credentials.json"),
              encoding="utf-8") as handle:
        key = json.load(handle)["api"]
    return cli_for(store, tmp_path_factory.mktemp("api-home"), key["access_key_id"],
                   key["secret_access_key"])


def tag_set(admin, bucket, key, *version):
    return output(admin("get-object-tagging", "--bucket", bucket, "--key", key, *version))["TagSet"]


def test_tags_round_trip(admin, store, tmp_path):
    bucket = store["SATCHEL_BUCKET"]
    body = tmp_path / "body.bin"
    body.write_bytes(b"tagged bytes")
    admin("put-object", "--bucket", bucket, "--key", "tags/a", "--body", str(body),
          "--tagging", "team=blue&note=two%20words")
    assert tag_set(admin, bucket, "tags/a") == [
        {"Key": "team", "Value": "blue"}, {"Key": "note", "Value": "two words"}]
    head = output(admin("head-object", "--bucket", bucket, "--key", "tags/a"))
    assert head["ContentLength"] == len(b"tagged bytes")

    admin("put-object-tagging", "--bucket", bucket, "--key", "tags/a", "--tagging",
          json.dumps({"TagSet": [{"Key": "class", "Value": "scratch"}]}))
    assert tag_set(admin, bucket, "tags/a") == [{"Key": "class", "Value": "scratch"}]
    admin("delete-object-tagging", "--bucket", bucket, "--key", "tags/a")
    assert tag_set(admin, bucket, "tags/a") == []


def test_invalid_tags_are_refused(admin, store, tmp_path):
    bucket = store["SATCHEL_BUCKET"]
    body = tmp_path / "body.bin"
    body.write_bytes(b"x")
    rejected = admin("put-object", "--bucket", bucket, "--key", "tags/bad", "--body", str(body),
                     "--tagging", "a=1&a=2", check=False)
    fails_with(rejected, "InvalidTag")
    missing = admin("head-object", "--bucket", bucket, "--key", "tags/bad", check=False)
    assert missing.returncode != 0
    too_long = admin("put-object-tagging", "--bucket", bucket, "--key", "tags/a", "--tagging",
                     json.dumps({"TagSet": [{"Key": "k" * 129, "Value": ""}]}), check=False)
    fails_with(too_long, "InvalidTag")


def test_api_key_cannot_touch_tags(admin, api, store):
    bucket = store["SATCHEL_BUCKET"]
    denied = api("get-object-tagging", "--bucket", bucket, "--key", "tags/a", check=False)
    fails_with(denied, "AccessDenied")
