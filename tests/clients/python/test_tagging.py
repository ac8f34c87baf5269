"""Object tagging on the embedded store, driven by AWS CLI v2 from Debian.
Tags written with put-object or create-multipart-upload read back through
get-object-tagging, and put-object-tagging and delete-object-tagging
replace and remove them. Invalid tags get InvalidTag, and the API's key
gets AccessDenied. A lifecycle rule with a tag filter expires a
multipart-uploaded object that carries the tag."""

import json
import time

import pytest

from aws_cli import LIFECYCLE_WAIT_SECONDS, fails_with, output
from satchel_harness import Server


@pytest.fixture(scope="module")
def server():
    """A server whose lifecycle thread runs every second, so an expiration
    whose date has passed applies within a few passes."""
    instance = Server(env={"SATCHEL_STORE_LIFECYCLE_INTERVAL_SECONDS": "1"}).start()
    yield instance
    instance.cleanup()


def tag_set(admin, bucket, key, *version):
    return output(admin("get-object-tagging", "--bucket", bucket, "--key", key, *version))["TagSet"]


def upload_multipart(admin, bucket, key, body, *create_options):
    """Creates a multipart upload with the given options, uploads body as its
    only part and completes it."""
    created = output(admin("create-multipart-upload", "--bucket", bucket, "--key", key,
                           *create_options))
    # Upload ids may start with "-", which the CLI would read as an option.
    upload_id = f"--upload-id={created['UploadId']}"
    part = output(admin("upload-part", "--bucket", bucket, "--key", key, upload_id,
                        "--part-number", "1", "--body", str(body)))
    parts = {"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]}
    admin("complete-multipart-upload", "--bucket", bucket, "--key", key, upload_id,
          "--multipart-upload", json.dumps(parts))


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


def test_multipart_upload_tags(admin, store, tmp_path):
    bucket = store["SATCHEL_BUCKET"]
    body = tmp_path / "body.bin"
    body.write_bytes(b"multipart bytes")
    upload_multipart(admin, bucket, "tags/multi", body,
                     "--tagging", "team=blue&note=two%20words")
    assert tag_set(admin, bucket, "tags/multi") == [
        {"Key": "team", "Value": "blue"}, {"Key": "note", "Value": "two words"}]
    fetched = output(admin("get-object", "--bucket", bucket, "--key", "tags/multi",
                           str(tmp_path / "fetched.bin")))
    assert fetched["TagCount"] == 2
    assert (tmp_path / "fetched.bin").read_bytes() == b"multipart bytes"


def test_invalid_multipart_tags_are_rejected(admin, store):
    bucket = store["SATCHEL_BUCKET"]
    rejected = admin("create-multipart-upload", "--bucket", bucket, "--key", "tags/bad-multi",
                     "--tagging", "a=1&a=2", check=False)
    fails_with(rejected, "InvalidTag")
    uploads = output(admin("list-multipart-uploads", "--bucket", bucket,
                           "--prefix", "tags/bad-multi"))
    assert uploads.get("Uploads", []) == []


def test_lifecycle_tag_filter_expires_multipart_object(admin, tmp_path):
    """The rule's date has already passed, so the lifecycle thread removes
    the object whose upload carried the tag and keeps the others."""
    bucket = "tag-expiry"
    admin("create-bucket", "--bucket", bucket)
    body = tmp_path / "body.bin"
    body.write_bytes(b"scratch")
    upload_multipart(admin, bucket, "scratch/tagged", body, "--tagging", "class=scratch")
    upload_multipart(admin, bucket, "scratch/other-tag", body, "--tagging", "class=keep")
    upload_multipart(admin, bucket, "scratch/untagged", body)
    document = tmp_path / "lifecycle.json"
    document.write_text(json.dumps({"Rules": [{
        "ID": "scratch", "Status": "Enabled",
        "Filter": {"And": {"Prefix": "scratch/",
                           "Tags": [{"Key": "class", "Value": "scratch"}]}},
        "Expiration": {"Date": "2020-01-01T00:00:00Z"}}]}))
    admin("put-bucket-lifecycle-configuration", "--bucket", bucket,
          "--lifecycle-configuration", f"file://{document}")
    expected = ["scratch/other-tag", "scratch/untagged"]
    deadline = time.monotonic() + LIFECYCLE_WAIT_SECONDS
    keys = None
    while time.monotonic() < deadline:
        listing = output(admin("list-objects-v2", "--bucket", bucket))
        keys = [entry["Key"] for entry in listing.get("Contents", [])]
        if keys == expected:
            break
        time.sleep(0.2)
    assert keys == expected
