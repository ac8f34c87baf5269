"""Data lifecycle against a running server: uploads with an expiry bounded by
the policy, the background sweeper that deletes expired objects from the
store and the bytes of abandoned uploads, and the policy's retention rules
that refuse early deletes. The sweeper runs every second here, and the tests
poll for its outcome with a deadline instead of sleeping for a fixed time."""

import datetime
import os
import sqlite3
import time
import urllib.parse
import xml.etree.ElementTree as ElementTree

import pytest

from satchel_harness import Client, Server, presign, request, sign_in, utc_now

POLL_TIMEOUT_SECONDS = 30

POLICY = """
version = 1

[[statements]]
id = "own-space"
effect = "allow"
actions = ["object:read", "object:list", "object:delete", "object:restore"]
resources = ["${org}/${sub}/*"]

[[statements]]
id = "own-space-write"
effect = "allow"
actions = ["object:write"]
resources = ["${org}/${sub}/*"]
[statements.conditions]
max_expiry_seconds = 3600

[[statements]]
id = "tenant-admin-reports"
effect = "allow"
actions = ["admin:*"]
resources = ["${org}/"]
conditions = { roles = ["admin"] }

[[retention]]
id = "records"
resources = ["${org}/*/records/*"]
days = 30
"""


@pytest.fixture
def lifecycle_server(tmp_path):
    policy_path = tmp_path / "policy.toml"
    policy_path.write_text(POLICY)
    instance = Server(env={"SATCHEL_POLICY_FILE": str(policy_path),
                           "SATCHEL_LIFECYCLE_SWEEP_INTERVAL_SECONDS": "1"}).start()
    yield instance
    instance.cleanup()


def client_for(server, user="alice", admin=False):
    return Client(server, sign_in(server, user, "acme", admin=admin)["id_token"])


def wait_for(condition, what):
    deadline = time.monotonic() + POLL_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {POLL_TIMEOUT_SECONDS} s waiting for {what}")


def listed_names(client):
    reply = client.call("GET", "/v1/objects")
    assert reply.status == 200, reply
    return [record["name"] for record in reply.json()["objects"]]


def store_get(server, key):
    credentials = server.store_credentials()
    url = f"{server.store}/{server.bucket}/{urllib.parse.quote(key)}"
    signed = presign("GET", url, credentials["AWS_ACCESS_KEY_ID"],
                     credentials["AWS_SECRET_ACCESS_KEY"], utc_now(), 60)
    return request("GET", signed)


def test_expired_object_is_hidden_then_swept(lifecycle_server):
    alice = client_for(lifecycle_server)
    started, put, completed = alice.upload("tmp/report.txt", b"short lived", "text/plain",
                                           expires_in=3)
    assert started.status == 201, started
    object_expires_at = started.json()["object_expires_at"]
    assert object_expires_at
    assert put.status == 200, put
    assert completed.status == 200, completed
    record = completed.json()
    assert record["expires_at"] == object_expires_at
    alice.upload("kept.txt", b"stays", "text/plain")

    shown = alice.call("GET", "/v1/objects/tmp/report.txt")
    assert shown.status == 200, shown
    assert shown.json()["expires_at"] == object_expires_at
    assert "tmp/report.txt" in listed_names(alice)
    assert store_get(lifecycle_server, record["key"]).body == b"short lived"

    wait_for(lambda: alice.call("GET", "/v1/objects/tmp/report.txt").status == 404,
             "the expired object to be hidden")
    assert listed_names(alice) == ["kept.txt"]
    assert alice.call("POST", "/v1/downloads", {"name": "tmp/report.txt"}).status == 404

    def delete_marker_recorded():
        reply = alice.call("GET", "/v1/objects/tmp/report.txt/versions")
        assert reply.status == 200, reply
        return [version["deleted"] for version in reply.json()["versions"]] == [True, False]

    wait_for(delete_marker_recorded, "the sweeper to delete the expired object")
    gone = store_get(lifecycle_server, record["key"])
    assert gone.status == 404, gone

    admin = client_for(lifecycle_server, "root", admin=True)

    def expiry_audited():
        reply = admin.call("GET", "/v1/admin/audit?action=lifecycle:expire")
        assert reply.status == 200, reply
        return reply.json()["events"]

    events = wait_for(expiry_audited, "the expiry audit event")
    assert len(events) == 1
    assert events[0]["key"] == record["key"]
    assert events[0]["decision"] == "allow"
    assert events[0]["reason"].startswith("object expired at")

    # The versioned delete keeps the bytes: the old version can be restored.
    restored = alice.call("POST", "/v1/objects/tmp/report.txt/restore",
                          {"version_id": record["version_id"]})
    assert restored.status == 200, restored
    assert restored.json()["expires_at"] is None
    assert alice.download("tmp/report.txt").body == b"short lived"


def put_without_complete(client, name, data):
    """Starts an upload and PUTs its bytes with the presigned URL, but never
    completes it. Returns the upload id and the store's version id."""
    started = client.call("POST", "/v1/uploads",
                          {"name": name, "content_type": "text/plain", "size": len(data)})
    assert started.status == 201, started
    ticket = started.json()
    put = request("PUT", ticket["url"], body=data, headers=ticket["headers"])
    assert put.status == 200, put
    version_id = put.header("x-amz-version-id")
    assert version_id, put
    return ticket["upload_id"], version_id


def age_pending_uploads(server, upload_ids, seconds):
    """Moves the creation time and completion deadline of pending uploads the
    given number of seconds into the past in the metadata database, so the
    sweeper treats them as that old without the test waiting."""
    connection = sqlite3.connect(os.path.join(server.data_dir, "metadata.db"), timeout=10)
    try:
        with connection:
            for upload_id in upload_ids:
                changed = connection.execute(
                    "UPDATE pending_uploads SET created_at_us = created_at_us - ?, "
                    "expires_at_us = expires_at_us - ? WHERE id = ? AND state = 'pending'",
                    (seconds * 1_000_000, seconds * 1_000_000, upload_id))
                assert changed.rowcount == 1, upload_id
    finally:
        connection.close()


def upload_state(server, upload_id):
    connection = sqlite3.connect(os.path.join(server.data_dir, "metadata.db"), timeout=10)
    try:
        return connection.execute("SELECT state FROM pending_uploads WHERE id = ?",
                                  (upload_id,)).fetchone()[0]
    finally:
        connection.close()


def local_name(tag):
    return tag.rsplit("}", 1)[-1]


def child_text(element, name):
    for child in element:
        if local_name(child.tag) == name:
            return child.text or ""
    return None


def store_version_ids(server, credentials, key):
    """The version and delete marker ids of exactly key in the store, newest
    first, from ListObjectVersions signed with credentials, the key pair of
    Server.store_credentials."""
    signed = presign("GET", f"{server.store}/{server.bucket}",
                     credentials["AWS_ACCESS_KEY_ID"], credentials["AWS_SECRET_ACCESS_KEY"],
                     utc_now(), 60, query={"versions": "", "prefix": key})
    reply = request("GET", signed)
    assert reply.status == 200, reply
    root = ElementTree.fromstring(reply.body)
    assert child_text(root, "IsTruncated") == "false", reply
    return [child_text(entry, "VersionId") for entry in root
            if local_name(entry.tag) in ("Version", "DeleteMarker")
            and child_text(entry, "Key") == key]


def test_abandoned_upload_bytes_are_removed(lifecycle_server):
    alice = client_for(lifecycle_server)
    first = alice.upload("covered.txt", b"first", "text/plain")[2]
    assert first.status == 200, first
    # Abandoned, then covered by a later committed upload of the same name.
    covered_id, covered_version = put_without_complete(alice, "covered.txt", b"abandoned")
    latest = alice.upload("covered.txt", b"latest", "text/plain")[2]
    assert latest.status == 200, latest
    # Abandoned and still the store's latest version.
    uncovered_id, _ = put_without_complete(alice, "uncovered.txt", b"abandoned")
    # Abandoned as well, but not old enough to abort.
    young_id, young_version = put_without_complete(alice, "young.txt", b"in flight")

    credentials = lifecycle_server.store_credentials()
    covered_key = first.json()["key"]
    uncovered_key = covered_key.replace("covered.txt", "uncovered.txt")
    young_key = covered_key.replace("covered.txt", "young.txt")
    assert store_version_ids(lifecycle_server, credentials, covered_key) == [
        latest.json()["version_id"], covered_version, first.json()["version_id"]]

    # Older than the default lifecycle.pending_upload_max_age_seconds (one day).
    age_pending_uploads(lifecycle_server, [covered_id, uncovered_id], 2 * 24 * 3600)

    def bytes_removed():
        return (store_version_ids(lifecycle_server, credentials, covered_key) == [
            latest.json()["version_id"], first.json()["version_id"]]
            and store_version_ids(lifecycle_server, credentials, uncovered_key) == [])

    wait_for(bytes_removed, "the sweeper to remove the abandoned uploads' bytes")
    assert upload_state(lifecycle_server, covered_id) == "aborted"
    assert upload_state(lifecycle_server, uncovered_id) == "aborted"
    assert upload_state(lifecycle_server, young_id) == "pending"
    assert store_version_ids(lifecycle_server, credentials, young_key) == [young_version]

    # The committed record and its history are untouched.
    assert alice.download("covered.txt").body == b"latest"
    history = alice.call("GET", "/v1/objects/covered.txt/versions")
    assert history.status == 200, history
    assert [version["version_id"] for version in history.json()["versions"]] == [
        latest.json()["version_id"], first.json()["version_id"]]
    assert all(version["restorable"] for version in history.json()["versions"])
    assert alice.call("POST", f"/v1/uploads/{covered_id}/complete").status == 410

    admin = client_for(lifecycle_server, "root", admin=True)
    reply = admin.call("GET", "/v1/admin/audit?action=lifecycle:abort_upload")
    assert reply.status == 200, reply
    reasons = {event["key"]: event["reason"] for event in reply.json()["events"]}
    assert sorted(reasons) == [covered_key, uncovered_key]
    for key in (covered_key, uncovered_key):
        assert reasons[key].endswith("; its stored version was deleted"), reasons[key]


def mark_aborted_earlier(server, upload_id, seconds):
    """Turns a pending upload into one aborted the given number of seconds ago
    whose bytes are still in the store, as a content check rejection whose
    delete failed leaves it."""
    connection = sqlite3.connect(os.path.join(server.data_dir, "metadata.db"), timeout=10)
    try:
        with connection:
            changed = connection.execute(
                "UPDATE pending_uploads SET state = 'aborted', "
                "created_at_us = created_at_us - ?, expires_at_us = expires_at_us - ? "
                "WHERE id = ? AND state = 'pending'",
                (seconds * 1_000_000, seconds * 1_000_000, upload_id))
            assert changed.rowcount == 1, upload_id
    finally:
        connection.close()


def upload_row(server, upload_id):
    """Returns the upload's key and store_cleaned_at_us."""
    connection = sqlite3.connect(os.path.join(server.data_dir, "metadata.db"), timeout=10)
    try:
        return connection.execute(
            "SELECT key, store_cleaned_at_us FROM pending_uploads WHERE id = ?",
            (upload_id,)).fetchone()
    finally:
        connection.close()


def test_aborted_upload_bytes_are_removed_later(lifecycle_server):
    alice = client_for(lifecycle_server)
    upload_id, version_id = put_without_complete(alice, "rejected.txt", b"rejected bytes")
    key, cleaned_at = upload_row(lifecycle_server, upload_id)
    assert cleaned_at is None
    credentials = lifecycle_server.store_credentials()
    assert store_version_ids(lifecycle_server, credentials, key) == [version_id]
    # One hour old: past its completion time, but far younger than
    # lifecycle.pending_upload_max_age_seconds.
    mark_aborted_earlier(lifecycle_server, upload_id, 3600)

    wait_for(lambda: upload_row(lifecycle_server, upload_id)[1] is not None,
             "the sweeper to finish the aborted upload's clean-up")
    assert store_version_ids(lifecycle_server, credentials, key) == []
    assert upload_state(lifecycle_server, upload_id) == "aborted"

    admin = client_for(lifecycle_server, "root", admin=True)
    reply = admin.call("GET", "/v1/admin/audit?action=lifecycle:remove_upload_bytes")
    assert reply.status == 200, reply
    events = reply.json()["events"]
    assert len(events) == 1, events
    assert events[0]["key"] == key, events[0]
    assert upload_id in events[0]["reason"], events[0]
    # The upload was not aborted by the sweeper, so it wrote no abort event.
    aborts = admin.call("GET", "/v1/admin/audit?action=lifecycle:abort_upload")
    assert aborts.status == 200, aborts
    assert aborts.json()["events"] == []


def test_expires_at_sets_the_same_expiry(lifecycle_server):
    alice = client_for(lifecycle_server)
    when = (utc_now() + datetime.timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    started, put, completed = alice.upload("later.txt", b"x", "text/plain", expires_at=when)
    assert completed.status == 200, completed
    assert completed.json()["expires_at"] == when.replace("Z", ".000Z")


def test_expiry_over_policy_maximum_is_forbidden(lifecycle_server):
    alice = client_for(lifecycle_server)
    reply = alice.call("POST", "/v1/uploads", {"name": "a.txt", "content_type": "text/plain",
                                               "size": 1, "expires_in": 3601})
    assert reply.status == 403, reply
    assert reply.json()["error"]["code"] == "forbidden"
    assert "expiry 3601 s is over its maximum of 3600 s" in reply.json()["error"]["message"]
    allowed = alice.call("POST", "/v1/uploads", {"name": "a.txt", "content_type": "text/plain",
                                                 "size": 1, "expires_in": 3600})
    assert allowed.status == 201, allowed


@pytest.mark.parametrize("fields, message", [
    ({"expires_in": 60, "expires_at": "2099-01-01T00:00:00Z"}, "not both"),
    ({"expires_at": "2001-01-01T00:00:00Z"}, "is not in the future"),
    ({"expires_at": "tomorrow"}, "RFC 3339"),
    ({"expires_at": "2099-1-1T1:0:0Z"}, "RFC 3339"),
    ({"expires_at": " 2099-01-01T00:00:00Z"}, "RFC 3339"),
    ({"expires_in": 0}, "expires_in must be an integer"),
    ({"expires_in": "60"}, "expires_in must be an integer"),
])
def test_bad_expiry_is_rejected(lifecycle_server, fields, message):
    alice = client_for(lifecycle_server)
    reply = alice.call("POST", "/v1/uploads", {"name": "a.txt", "content_type": "text/plain",
                                               "size": 1, **fields})
    assert reply.status == 400, reply
    assert reply.json()["error"]["code"] == "invalid_request"
    assert message in reply.json()["error"]["message"]
    assert listed_names(alice) == []


def test_retention_refuses_delete(lifecycle_server):
    alice = client_for(lifecycle_server)
    started, put, completed = alice.upload("records/2026.csv", b"a,b\n", "text/csv")
    assert completed.status == 200, completed

    refused = alice.call("DELETE", "/v1/objects/records/2026.csv")
    assert refused.status == 403, refused
    body = refused.json()
    assert body["error"]["code"] == "retention_required"
    assert body["retention_rule"] == "records"
    assert body["retention_days"] == 30
    assert body["retained_until"]
    assert alice.call("GET", "/v1/objects/records/2026.csv").status == 200
    assert store_get(lifecycle_server, completed.json()["key"]).body == b"a,b\n"

    alice.upload("notes.txt", b"n", "text/plain")
    assert alice.call("DELETE", "/v1/objects/notes.txt").status == 204


def test_expiry_shorter_than_retention_is_forbidden(lifecycle_server):
    alice = client_for(lifecycle_server)
    reply = alice.call("POST", "/v1/uploads", {"name": "records/x.csv", "content_type": "text/csv",
                                               "size": 1, "expires_in": 60})
    assert reply.status == 403, reply
    assert reply.json()["error"]["code"] == "retention_required"
    assert reply.json()["min_expiry_seconds"] == 30 * 86400


def test_sweeper_can_be_turned_off():
    server = Server(env={"SATCHEL_LIFECYCLE_ENABLED": "false",
                         "SATCHEL_LIFECYCLE_SWEEP_INTERVAL_SECONDS": "1"}).start()
    try:
        alice = client_for(server)
        started, put, completed = alice.upload("tmp.txt", b"t", "text/plain", expires_in=1)
        assert completed.status == 200, completed
        wait_for(lambda: alice.call("GET", "/v1/objects/tmp.txt").status == 404,
                 "the expired object to be hidden")
        assert "lifecycle sweeper is off" in server.log()
        # Hidden, but no sweeper deleted it: the store still serves its bytes.
        assert store_get(server, completed.json()["key"]).body == b"t"
        # The expired object counts as missing, so a create-only upload may take its name.
        started, put, created = alice.upload("tmp.txt", b"new", "text/plain",
                                             if_none_match="*")
        assert created.status == 200, created
        assert created.json()["expires_at"] is None
        assert alice.download("tmp.txt").body == b"new"
    finally:
        server.cleanup()


def test_noncurrent_versions_beyond_count_are_purged():
    server = Server(env={"SATCHEL_LIFECYCLE_NONCURRENT_VERSION_MAX_COUNT": "1",
                         "SATCHEL_LIFECYCLE_SWEEP_INTERVAL_SECONDS": "1"}).start()
    try:
        alice = client_for(server)
        records = []
        for index in range(3):
            started, put, completed = alice.upload("notes.txt", b"v%d" % index, "text/plain")
            assert completed.status == 200, completed
            records.append(completed.json())

        def oldest_purged():
            reply = alice.call("GET", "/v1/objects/notes.txt/versions")
            assert reply.status == 200, reply
            versions = reply.json()["versions"]
            return versions if versions[-1].get("purged_at") else None

        versions = wait_for(oldest_purged, "the sweeper to purge the oldest version")
        assert [version["restorable"] for version in versions] == [True, True, False]
        assert "purged_at" not in versions[1]

        credentials = server.store_credentials()
        url = f"{server.store}/{server.bucket}/{records[0]['key']}"
        for record, status in ((records[0], 404), (records[1], 200)):
            signed = presign("GET", url, credentials["AWS_ACCESS_KEY_ID"],
                             credentials["AWS_SECRET_ACCESS_KEY"], utc_now(), 60,
                             query={"versionId": record["version_id"]})
            assert request("GET", signed).status == status, record

        refused = alice.call("POST", "/v1/objects/notes.txt/restore",
                             {"version_id": records[0]["version_id"]})
        assert refused.status == 409, refused
        assert refused.json()["error"]["code"] == "version_purged"
        restored = alice.call("POST", "/v1/objects/notes.txt/restore",
                              {"version_id": records[1]["version_id"]})
        assert restored.status == 200, restored
        assert alice.download("notes.txt").body == b"v1"
    finally:
        server.cleanup()
