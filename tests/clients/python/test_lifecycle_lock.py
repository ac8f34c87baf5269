"""Bucket lifecycle, Object Lock and default encryption on the embedded
store, driven by AWS CLI v2 from Debian. Configurations round trip, locked
versions reject deletes with 403, and only the admin key bypasses
GOVERNANCE. The store's lifecycle thread applies an expiration rule."""

import datetime
import json
import time

import pytest

from aws_cli import LIFECYCLE_WAIT_SECONDS, fails_with, output
from satchel_harness import Server


@pytest.fixture(scope="module")
def server():
    instance = Server(env={"SATCHEL_STORE_LIFECYCLE_INTERVAL_SECONDS": "1"}).start()
    yield instance
    instance.cleanup()


def in_hours(hours):
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=hours)
    return moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def vault(admin):
    """A bucket created with Object Lock."""
    admin("create-bucket", "--bucket", "vault", "--object-lock-enabled-for-bucket")
    return "vault"


def put_file(tmp_path, data):
    path = tmp_path / "body.bin"
    path.write_bytes(data)
    return str(path)


def test_lifecycle_round_trip(admin, store, tmp_path):
    bucket = store["SATCHEL_BUCKET"]
    missing = admin("get-bucket-lifecycle-configuration", "--bucket", bucket, check=False)
    fails_with(missing, "NoSuchLifecycleConfiguration")
    rules = {"Rules": [{
        "ID": "tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"},
        "Expiration": {"Days": 7},
        "NoncurrentVersionExpiration": {"NoncurrentDays": 3, "NewerNoncurrentVersions": 2},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}]}
    document = tmp_path / "lifecycle.json"
    document.write_text(json.dumps(rules))
    admin("put-bucket-lifecycle-configuration", "--bucket", bucket,
          "--lifecycle-configuration", f"file://{document}")
    stored = output(admin("get-bucket-lifecycle-configuration", "--bucket", bucket))
    assert stored["Rules"] == rules["Rules"]
    admin("delete-bucket-lifecycle", "--bucket", bucket)
    gone = admin("get-bucket-lifecycle-configuration", "--bucket", bucket, check=False)
    fails_with(gone, "NoSuchLifecycleConfiguration")


def test_invalid_lifecycle_is_rejected(admin, store, tmp_path):
    document = tmp_path / "lifecycle.json"
    document.write_text(json.dumps({"Rules": [
        {"ID": "same", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 1}},
        {"ID": "same", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 2}}]}))
    rejected = admin("put-bucket-lifecycle-configuration", "--bucket", store["SATCHEL_BUCKET"],
                     "--lifecycle-configuration", f"file://{document}", check=False)
    fails_with(rejected, "InvalidArgument")


def test_encryption_round_trip(admin, store):
    bucket = store["SATCHEL_BUCKET"]
    default = output(admin("get-bucket-encryption", "--bucket", bucket))
    rule = default["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"

    admin("put-bucket-encryption", "--bucket", bucket, "--server-side-encryption-configuration",
          json.dumps({"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                                 "BucketKeyEnabled": True}]}))
    stored = output(admin("get-bucket-encryption", "--bucket", bucket))
    assert stored["ServerSideEncryptionConfiguration"]["Rules"][0]["BucketKeyEnabled"] is True

    kms = admin("put-bucket-encryption", "--bucket", bucket,
                "--server-side-encryption-configuration",
                json.dumps({"Rules": [{"ApplyServerSideEncryptionByDefault":
                                       {"SSEAlgorithm": "aws:kms"}}]}), check=False)
    fails_with(kms, "NotImplemented")

    admin("delete-bucket-encryption", "--bucket", bucket)
    reset = output(admin("get-bucket-encryption", "--bucket", bucket))
    assert reset["ServerSideEncryptionConfiguration"]["Rules"][0]["BucketKeyEnabled"] is False


def test_compliance_retention_refuses_delete(admin, vault, tmp_path):
    until = in_hours(24)
    put = output(admin("put-object", "--bucket", vault, "--key", "record.txt",
                       "--body", put_file(tmp_path, b"kept"), "--object-lock-mode", "COMPLIANCE",
                       "--object-lock-retain-until-date", until))
    version_id = put["VersionId"]
    head = output(admin("head-object", "--bucket", vault, "--key", "record.txt"))
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert head["ObjectLockRetainUntilDate"].startswith(until[:19])

    # Version ids go with "=", because one in 64 starts with "-", which the CLI reads as an option.
    denied = admin("delete-object", "--bucket", vault, "--key", "record.txt",
                   f"--version-id={version_id}", "--bypass-governance-retention", check=False)
    fails_with(denied, "AccessDenied")
    back = tmp_path / "back.bin"
    admin("get-object", "--bucket", vault, "--key", "record.txt", f"--version-id={version_id}",
          str(back))
    assert back.read_bytes() == b"kept"

    retention = output(admin("get-object-retention", "--bucket", vault, "--key", "record.txt"))
    assert retention["Retention"]["Mode"] == "COMPLIANCE"
    shorten = admin("put-object-retention", "--bucket", vault, "--key", "record.txt",
                    "--bypass-governance-retention", "--retention",
                    json.dumps({"Mode": "COMPLIANCE", "RetainUntilDate": in_hours(1)}),
                    check=False)
    fails_with(shorten, "AccessDenied")


def test_versioning_cannot_be_suspended_under_lock(admin, vault):
    configuration = output(admin("get-object-lock-configuration", "--bucket", vault))
    assert configuration["ObjectLockConfiguration"]["ObjectLockEnabled"] == "Enabled"
    suspended = admin("put-bucket-versioning", "--bucket", vault,
                      "--versioning-configuration", "Status=Suspended", check=False)
    fails_with(suspended, "InvalidBucketState")


def test_governance_bypass_only_by_admin_key(admin, api, store, tmp_path):
    bucket = store["SATCHEL_BUCKET"]
    # The default bucket is versioned, so Object Lock can be enabled on it,
    # and the API's key can reach only this bucket.
    admin("put-object-lock-configuration", "--bucket", bucket, "--object-lock-configuration",
          json.dumps({"ObjectLockEnabled": "Enabled",
                      "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}}))
    put = output(api("put-object", "--bucket", bucket, "--key", "tenant/draft.txt",
                     "--body", put_file(tmp_path, b"draft")))
    version_id = put["VersionId"]
    head = output(admin("head-object", "--bucket", bucket, "--key", "tenant/draft.txt"))
    assert head["ObjectLockMode"] == "GOVERNANCE"

    for cli in (admin, api):
        denied = cli("delete-object", "--bucket", bucket, "--key", "tenant/draft.txt",
                     f"--version-id={version_id}", check=False)
        fails_with(denied, "AccessDenied")
    bypass_denied = api("delete-object", "--bucket", bucket, "--key", "tenant/draft.txt",
                        f"--version-id={version_id}", "--bypass-governance-retention", check=False)
    fails_with(bypass_denied, "AccessDenied")

    admin("delete-object", "--bucket", bucket, "--key", "tenant/draft.txt",
          f"--version-id={version_id}", "--bypass-governance-retention")
    gone = admin("head-object", "--bucket", bucket, "--key", "tenant/draft.txt",
                 f"--version-id={version_id}", check=False)
    assert gone.returncode != 0
    assert "404" in gone.stderr


def test_legal_hold_blocks_delete_until_released(admin, vault, tmp_path):
    put = output(admin("put-object", "--bucket", vault, "--key", "evidence.txt",
                       "--body", put_file(tmp_path, b"evidence")))
    version_id = put["VersionId"]
    admin("put-object-legal-hold", "--bucket", vault, "--key", "evidence.txt",
          "--legal-hold", "Status=ON")
    hold = output(admin("get-object-legal-hold", "--bucket", vault, "--key", "evidence.txt"))
    assert hold["LegalHold"]["Status"] == "ON"
    denied = admin("delete-object", "--bucket", vault, "--key", "evidence.txt",
                   f"--version-id={version_id}", "--bypass-governance-retention", check=False)
    fails_with(denied, "AccessDenied")

    admin("put-object-legal-hold", "--bucket", vault, "--key", "evidence.txt",
          "--legal-hold", "Status=OFF")
    admin("delete-object", "--bucket", vault, "--key", "evidence.txt", f"--version-id={version_id}")
    versions = output(admin("list-object-versions", "--bucket", vault, "--prefix",
                            "evidence.txt"))
    assert "Versions" not in versions


def test_lock_headers_need_object_lock(admin, tmp_path):
    admin("create-bucket", "--bucket", "plain")
    rejected = admin("put-object", "--bucket", "plain", "--key", "a.txt",
                     "--body", put_file(tmp_path, b"a"), "--object-lock-legal-hold-status", "ON",
                     check=False)
    fails_with(rejected, "InvalidRequest")


def test_lifecycle_thread_expires_objects(admin, tmp_path):
    """The rule's date has already passed, so a pass of the store's lifecycle
    thread (every second here) removes the object from the unversioned
    bucket."""
    admin("create-bucket", "--bucket", "expiring")
    admin("put-object", "--bucket", "expiring", "--key", "old/a.txt",
          "--body", put_file(tmp_path, b"old"))
    admin("put-object", "--bucket", "expiring", "--key", "keep/b.txt",
          "--body", put_file(tmp_path, b"keep"))
    document = tmp_path / "lifecycle.json"
    document.write_text(json.dumps({"Rules": [{
        "ID": "old", "Status": "Enabled", "Filter": {"Prefix": "old/"},
        "Expiration": {"Date": "2020-01-01T00:00:00Z"}}]}))
    admin("put-bucket-lifecycle-configuration", "--bucket", "expiring",
          "--lifecycle-configuration", f"file://{document}")
    deadline = time.monotonic() + LIFECYCLE_WAIT_SECONDS
    keys = None
    while time.monotonic() < deadline:
        listing = output(admin("list-objects-v2", "--bucket", "expiring"))
        keys = [entry["Key"] for entry in listing.get("Contents", [])]
        if keys == ["keep/b.txt"]:
            break
        time.sleep(0.2)
    assert keys == ["keep/b.txt"]
