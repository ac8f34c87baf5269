"""`satchel reconcile` against a running server with drift made on purpose,
and the 308 reply of POST /v1/downloads for a moved key's old name.

Drift is made behind Satchel's back. Objects are written with the AWS CLI
and the store's admin key, and index rows are deleted with sqlite3 or psql.
A version is deleted from the store, and one upload's PUT succeeds but the
upload is never completed. The file runs against the embedded store and, with
SATCHEL_TEST_STORE=rgw, against Ceph RGW; the PostgreSQL case runs in both.
"""

import hashlib
import json
import os
import sqlite3
import subprocess
import urllib.parse

import pytest

from postgres_harness import PostgresServer
from rgw_harness import rgw_mode
from satchel_harness import SATCHEL_BINARY, Client, Server, request, sign_in, utc_now

AWS = "/usr/bin/aws"
# Whether the store keeps SHA-256 checksums that reconcile can read back: the embedded store
# does unless the test run turns checksums off, and Ceph RGW 16 does not.
STORE_CHECKSUMS = os.environ.get("SATCHEL_STORE_CHECKSUMS", "auto") != "off" and not rgw_mode()


def user(server, name, tenant="acme"):
    return Client(server, sign_in(server, name, tenant)["id_token"])


def add_redirect(server, old_key, new_key, cut_over_in_seconds, tenant="acme"):
    cut_over_us = int((utc_now().timestamp() + cut_over_in_seconds) * 1_000_000)
    with sqlite3.connect(f"{server.data_dir}/metadata.db") as connection:
        connection.execute(
            "INSERT INTO key_redirects (tenant, old_key, new_key, cut_over_at_us, created_at_us) "
            "VALUES (?, ?, ?, ?, 0)", (tenant, old_key, new_key, cut_over_us))


def moved_key_requests(server, route):
    metrics = request("GET", server.api + "/metrics").body.decode()
    prefix = f'satchel_moved_key_requests_total{{tenant="acme",route="{route}"}} '
    for line in metrics.splitlines():
        if line.startswith(prefix):
            return int(line[len(prefix):])
    return 0


def log_lines(server, message):
    lines = [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("msg") == message]


def test_download_of_old_name_redirects_until_cut_over(server):
    alice = user(server, "alice")
    assert alice.upload("new/report.txt", b"report", "text/plain")[2].status == 200
    add_redirect(server, "acme/alice/old.txt", "acme/alice/new/report.txt", 3600)
    add_redirect(server, "acme/alice/past.txt", "acme/alice/new/report.txt", -3600)

    moved = alice.call("POST", "/v1/downloads", {"name": "old.txt"})
    assert moved.status == 308, moved
    assert moved.header("Location") == "/v1/objects/new/report.txt"
    assert moved.header("Cache-Control") == "no-store"
    body = moved.json()
    assert body["error"]["code"] == "moved"
    assert body["key"] == "acme/alice/new/report.txt"
    assert body["name"] == "new/report.txt"
    assert body["subject"] == "alice"
    assert "url" not in body

    # The body names what to ask for instead, and that download works.
    again = alice.call("POST", "/v1/downloads", {"name": body["name"], "subject": body["subject"]})
    assert again.status == 200, again
    fetched = request("GET", again.json()["url"])
    assert fetched.status == 200, fetched
    assert fetched.body == b"report"

    past = alice.call("POST", "/v1/downloads", {"name": "past.txt"})
    assert past.status == 404, past
    assert past.json()["error"]["code"] == "not_found"
    assert alice.call("POST", "/v1/downloads", {"name": "never.txt"}).status == 404

    uses = log_lines(server, "moved key redirected")
    assert len(uses) == 1, uses
    assert uses[0]["tenant"] == "acme"
    assert uses[0]["subject"] == "alice"
    assert uses[0]["old_key"] == "acme/alice/old.txt"
    assert uses[0]["new_key"] == "acme/alice/new/report.txt"
    assert uses[0]["route"] == "create_download"
    assert moved_key_requests(server, "create_download") == 1


def test_each_use_of_old_name_is_counted(server):
    alice = user(server, "alice")
    assert alice.upload("b.txt", b"b", "text/plain")[2].status == 200
    add_redirect(server, "acme/alice/a.txt", "acme/alice/b.txt", 3600)
    for _ in range(3):
        assert alice.call("POST", "/v1/downloads", {"name": "a.txt"}).status == 308
    assert alice.call("GET", "/v1/objects/a.txt").status == 308
    assert moved_key_requests(server, "create_download") == 3
    assert moved_key_requests(server, "get_object") == 1
    assert len(log_lines(server, "moved key redirected")) == 4


def test_download_redirect_hides_unreadable_new_key(server):
    alice, bob = user(server, "alice"), user(server, "bob")
    assert alice.upload("b.txt", b"x", "text/plain")[2].status == 200
    # bob's old name points into alice's space, which bob may not read.
    add_redirect(server, "acme/bob/a.txt", "acme/alice/b.txt", 3600)
    reply = bob.call("POST", "/v1/downloads", {"name": "a.txt"})
    assert reply.status == 404, reply
    assert "alice" not in reply.body.decode()
    assert moved_key_requests(server, "create_download") == 0


# --- satchel reconcile ---


@pytest.fixture(scope="module")
def postgres():
    instance = PostgresServer().start()
    yield instance
    instance.stop()


class Index:
    """Direct access to a server's metadata database, to make drift."""

    def __init__(self, server, postgres=None, database=None):
        self.server = server
        self.postgres = postgres
        self.database = database

    def execute(self, sql, *values):
        if self.postgres is None:
            with sqlite3.connect(f"{self.server.data_dir}/metadata.db") as connection:
                return connection.execute(sql, values).fetchall()
        # The values are test constants without quotes, so plain substitution is safe here.
        for value in values:
            sql = sql.replace("?", f"'{value}'", 1)
        return self.postgres.psql(self.database, sql)

    def forget_key(self, key):
        """Deletes every row of a key, as if Satchel never recorded it."""
        self.execute("DELETE FROM objects WHERE key = ?", key)
        self.execute("DELETE FROM object_versions WHERE key = ?", key)

    def audit_actions(self):
        rows = self.execute("SELECT action, key FROM audit_events WHERE action LIKE 'reconcile:%'")
        if self.postgres is None:
            return sorted(rows)
        return sorted(tuple(line.split("|")) for line in rows.splitlines() if line)


@pytest.fixture(params=["sqlite", "postgres"])
def indexed_server(request):
    """A server with its index, on SQLite and once on PostgreSQL."""
    if request.param == "postgres":
        postgres = request.getfixturevalue("postgres")
        url = postgres.create_database()
        database = urllib.parse.urlsplit(url).path.lstrip("/")
        instance = Server(env={"SATCHEL_METADATA_URL": url}).start()
        index = Index(instance, postgres, database)
    else:
        instance = Server().start()
        index = Index(instance)
    yield instance, index
    instance.cleanup()


def reconcile(server, *args, env=None):
    """Runs `satchel reconcile` with the server's settings. Returns the exit code and output."""
    command = [SATCHEL_BINARY, "reconcile", "--data-dir", server.data_dir,
               "--store-listen", f"127.0.0.1:{server.store_port}", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **server.env, **(env or {})})
    return done.returncode, done.stdout, done.stderr


def reconcile_json(server, *args):
    code, out, err = reconcile(server, "--json", *args)
    assert code in (0, 1), err
    report = json.loads(out)
    assert report["clean"] == (code == 0), report
    return code, report


def aws(server, *args):
    """Runs the AWS CLI against the server's store with the store's admin key.

    Give a version id as "--version-id=ID", because the store's ids are base64url and one in 64
    starts with "-", which the CLI reads as an option when it is a separate argument.
    """
    credentials = server.store_credentials()
    env = {**os.environ, **credentials, "AWS_EC2_METADATA_DISABLED": "true"}
    env.pop("AWS_ENDPOINT_URL", None)
    done = subprocess.run([AWS, "--endpoint-url", server.store, *args], capture_output=True,
                          text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else None


def put_behind_back(server, key, body_path):
    return aws(server, "s3api", "put-object", "--bucket", server.bucket, "--key", key,
               "--body", str(body_path))


def store_versions(server, key):
    listed = aws(server, "s3api", "list-object-versions", "--bucket", server.bucket,
                 "--prefix", key)
    versions = [v for v in listed.get("Versions", []) if v["Key"] == key]
    markers = [m for m in listed.get("DeleteMarkers", []) if m["Key"] == key]
    return versions, markers


def by_kind(report):
    found = {}
    for finding in report["findings"]:
        found.setdefault(finding["kind"], []).append(finding)
    return found


def start_upload_without_complete(client, name, data, **extra):
    started = client.call("POST", "/v1/uploads",
                          {"name": name, "content_type": "text/plain", "size": len(data),
                           **extra})
    assert started.status == 201, started
    ticket = started.json()
    put = request("PUT", ticket["url"], body=data, headers=ticket["headers"])
    assert put.status == 200, put
    return ticket["upload_id"]


def test_reconcile_clean_server_exits_zero(server):
    alice = user(server, "alice")
    assert alice.upload("a.txt", b"a", "text/plain")[2].status == 200
    assert alice.upload("a.txt", b"a2", "text/plain")[2].status == 200
    assert alice.call("DELETE", "/v1/objects/a.txt").status == 204
    assert alice.upload("b.txt", b"b", "text/plain")[2].status == 200
    code, out, err = reconcile(server, "--grace", "0")
    assert code == 0, out + err
    assert out.startswith("0 findings in 1 tenants, 1 records and "), out
    code, report = reconcile_json(server, "--grace", "0")
    assert code == 0
    assert report["findings"] == []
    assert report["tenants_checked"] == 1
    assert report["records_checked"] == 1


def test_reconcile_finds_and_fixes_injected_drift(indexed_server, tmp_path):
    server, index = indexed_server
    alice = user(server, "alice")
    for name in ("kept.txt", "forgotten.txt", "lost.txt"):
        assert alice.upload(name, name.encode(), "text/plain")[2].status == 200
    # A record deleted from the index: its bytes become an orphan.
    index.forget_key("acme/alice/forgotten.txt")
    # A version deleted from the store: its record points at nothing.
    lost_versions, _ = store_versions(server, "acme/alice/lost.txt")
    assert len(lost_versions) == 1
    aws(server, "s3api", "delete-object", "--bucket", server.bucket,
        "--key", "acme/alice/lost.txt", f"--version-id={lost_versions[0]['VersionId']}")
    # Objects written behind Satchel's back, in a known tenant and in a new one.
    body = tmp_path / "ghost.txt"
    body.write_bytes(b"ghost")
    put_behind_back(server, "acme/alice/ghost.txt", body)
    put_behind_back(server, "ghostcorp/x/y.txt", body)
    # An upload whose PUT succeeded but that was never completed.
    upload_id = start_upload_without_complete(alice, "pending.txt", b"pending bytes")

    # With the default grace period everything written a moment ago is in flight.
    code, report = reconcile_json(server)
    assert code == 1
    assert [f["kind"] for f in report["findings"]] == ["missing_object"]

    code, report = reconcile_json(server, "--grace", "0")
    assert code == 1
    found = by_kind(report)
    assert sorted(found) == ["missing_object", "orphan_object", "pending_upload"], report
    assert [(f["tenant"], f["key"]) for f in found["missing_object"]] == [
        ("acme", "acme/alice/lost.txt")]
    assert found["missing_object"][0]["version_id"] == lost_versions[0]["VersionId"]
    assert sorted((f["tenant"], f["key"]) for f in found["orphan_object"]) == [
        ("acme", "acme/alice/forgotten.txt"), ("acme", "acme/alice/ghost.txt"),
        ("ghostcorp", "ghostcorp/x/y.txt")]
    assert [(f["key"], f["upload_id"]) for f in found["pending_upload"]] == [
        ("acme/alice/pending.txt", upload_id)]
    assert all("fix" not in f for f in report["findings"])
    assert report["tenants_checked"] == 2
    # A run without --fix changes nothing.
    assert alice.call("GET", "/v1/objects/lost.txt").status == 200
    assert alice.call("GET", "/v1/objects/pending.txt").status == 404
    assert index.audit_actions() == []

    code, report = reconcile_json(server, "--grace", "0", "--fix")
    assert code == 1
    outcomes = {(f["kind"], f["key"]): f["fix"]["outcome"] for f in report["findings"]}
    assert set(outcomes.values()) == {"fixed"}, report
    assert len(outcomes) == 5

    # The record whose object is gone is marked: 410 with the time it was found missing, still
    # listed, and its history unchanged.
    lost = alice.call("GET", "/v1/objects/lost.txt")
    assert lost.status == 410, lost
    assert lost.json()["error"]["code"] == "object_missing"
    assert lost.json()["version_id"] == lost_versions[0]["VersionId"]
    missing_since = lost.json()["missing_since"]
    assert missing_since.endswith("Z"), lost
    lost_download = alice.call("POST", "/v1/downloads", {"name": "lost.txt"})
    assert lost_download.status == 410, lost_download
    assert "url" not in lost_download.json()
    assert lost_download.json()["missing_since"] == missing_since
    listed = {o["name"]: o for o in alice.call("GET", "/v1/objects").json()["objects"]}
    assert listed["lost.txt"]["missing"] is True
    assert listed["lost.txt"]["missing_since"] == missing_since
    assert listed["kept.txt"]["missing"] is False
    history = alice.call("GET", "/v1/objects/lost.txt/versions").json()["versions"]
    assert [(v["version_id"], v["deleted"]) for v in history] == [
        (lost_versions[0]["VersionId"], False)]
    # The pending upload is committed and downloads its bytes.
    completed = alice.call("GET", "/v1/objects/pending.txt")
    assert completed.status == 200, completed
    assert completed.json()["size"] == len(b"pending bytes")
    assert alice.download("pending.txt").body == b"pending bytes"
    # Orphans are hidden behind delete markers, so their bytes stay recoverable.
    for key in ("acme/alice/forgotten.txt", "acme/alice/ghost.txt", "ghostcorp/x/y.txt"):
        versions, markers = store_versions(server, key)
        assert len(versions) == 1, key
        assert [m["IsLatest"] for m in markers] == [True], key
    # Every repair left an audit event.
    assert index.audit_actions() == [
        ("reconcile:complete_upload", "acme/alice/pending.txt"),
        ("reconcile:delete_orphan", "acme/alice/forgotten.txt"),
        ("reconcile:delete_orphan", "acme/alice/ghost.txt"),
        ("reconcile:delete_orphan", "ghostcorp/x/y.txt"),
        ("reconcile:mark_missing", "acme/alice/lost.txt"),
    ]
    # The untouched object is still served.
    assert alice.download("kept.txt").body == b"kept.txt"

    # A second run lists the mark as known, not as new drift, and --fix leaves it.
    code, report = reconcile_json(server, "--grace", "0", "--fix")
    assert code == 0, report
    assert [(f["kind"], f["key"], f["missing_since"], f["fix"]["outcome"])
            for f in report["findings"]] == [
        ("missing_object_marked", "acme/alice/lost.txt", missing_since, "left")]
    assert lost_versions[0]["VersionId"] == report["findings"][0]["version_id"]

    # A new upload clears the mark.
    assert alice.upload("lost.txt", b"new bytes", "text/plain")[2].status == 200
    replaced = alice.call("GET", "/v1/objects/lost.txt")
    assert replaced.status == 200, replaced
    assert replaced.json()["missing"] is False
    assert alice.download("lost.txt").body == b"new bytes"

    code, report = reconcile_json(server, "--grace", "0")
    assert code == 0, report
    assert report["findings"] == []


def test_reconcile_clears_mark_of_returned_object(indexed_server):
    server, index = indexed_server
    alice = user(server, "alice")
    assert alice.upload("back.txt", b"back", "text/plain")[2].status == 200
    # As if an earlier run had found the bytes missing and an operator restored them since.
    index.execute("UPDATE objects SET missing_since_us = 1700000000000000 WHERE key = ?",
                  "acme/alice/back.txt")
    marked = alice.call("GET", "/v1/objects/back.txt")
    assert marked.status == 410, marked
    assert marked.json()["missing_since"] == "2023-11-14T22:13:20.000Z"

    code, report = reconcile_json(server, "--grace", "0")
    assert code == 1
    assert [(f["kind"], f["key"]) for f in report["findings"]] == [
        ("missing_object_returned", "acme/alice/back.txt")]
    assert alice.call("GET", "/v1/objects/back.txt").status == 410

    code, report = reconcile_json(server, "--grace", "0", "--fix")
    assert code == 1
    assert [f["fix"]["outcome"] for f in report["findings"]] == ["fixed"], report
    assert index.audit_actions() == [("reconcile:clear_missing", "acme/alice/back.txt")]
    served = alice.call("GET", "/v1/objects/back.txt")
    assert served.status == 200, served
    assert served.json()["missing"] is False
    assert alice.download("back.txt").body == b"back"

    code, report = reconcile_json(server, "--grace", "0")
    assert code == 0, report
    assert report["findings"] == []


def test_reconcile_reports_size_and_etag_mismatch(server):
    alice = user(server, "alice")
    assert alice.upload("a.txt", b"abc", "text/plain")[2].status == 200
    Index(server).execute("UPDATE objects SET size = 99, etag = '\"0000\"' WHERE key = ?",
                          "acme/alice/a.txt")
    code, report = reconcile_json(server, "--grace", "0", "--fix")
    assert code == 1
    found = by_kind(report)
    assert sorted(found) == ["etag_mismatch", "size_mismatch"], report
    assert found["size_mismatch"][0]["expected"] == "99"
    assert found["size_mismatch"][0]["found"] == "3"
    assert found["etag_mismatch"][0]["expected"] == '"0000"'
    # Reconcile cannot tell which side is right, so --fix leaves both.
    assert {f["fix"]["outcome"] for f in report["findings"]} == {"left"}
    code, report = reconcile_json(server, "--grace", "0")
    assert code == 1
    assert len(report["findings"]) == 2


def test_reconcile_version_mismatch_and_table(server, tmp_path):
    alice = user(server, "alice")
    assert alice.upload("a.txt", b"mine", "text/plain")[2].status == 200
    body = tmp_path / "other.txt"
    body.write_bytes(b"someone else's bytes")
    put_behind_back(server, "acme/alice/a.txt", body)
    code, out, err = reconcile(server, "--grace", "0", "--tenant", "acme")
    assert code == 1, out + err
    header, row, summary = out.splitlines()
    assert header.split() == ["KIND", "TENANT", "KEY", "VERSION", "DETAILS"]
    assert row.split()[:3] == ["version_mismatch", "acme", "acme/alice/a.txt"]
    assert summary.startswith("1 finding in 1 tenants"), summary
    # The columns line up.
    assert header.index("KEY") == row.index("acme/alice/a.txt")

    code, out, err = reconcile(server, "--grace", "0", "--fix")
    assert code == 1, out + err
    assert "delete marker added" in out
    # The committed version is still what downloads return.
    assert alice.download("a.txt").body == b"mine"
    assert reconcile(server, "--grace", "0")[0] == 0


def test_reconcile_checks_declared_checksum(server):
    alice = user(server, "alice")
    data = b"checked bytes"
    upload_id = start_upload_without_complete(alice, "sum.txt", data,
                                              sha256=hashlib.sha256(data).hexdigest())
    code, report = reconcile_json(server, "--grace", "0", "--fix")
    if not STORE_CHECKSUMS:
        # Nothing can confirm the checksum, so the upload stays for its client to complete.
        assert code == 0, report
        assert report["findings"] == []
        assert alice.call("GET", "/v1/objects/sum.txt").status == 404
        completed = alice.call("POST", f"/v1/uploads/{upload_id}/complete")
        assert completed.status == 200, completed
        return
    assert code == 1, report
    assert [(f["kind"], f["upload_id"], f["fix"]["outcome"]) for f in report["findings"]] == [
        ("pending_upload", upload_id, "fixed")]
    record = alice.call("GET", "/v1/objects/sum.txt")
    assert record.status == 200, record
    assert record.json()["sha256"] == hashlib.sha256(data).hexdigest()
    assert alice.download("sum.txt").body == data


def test_reconcile_ignores_internal_prefixes(server, tmp_path):
    body = tmp_path / "scratch"
    body.write_bytes(b"x")
    put_behind_back(server, ".satchel-probe/leftover", body)
    put_behind_back(server, ".satchel-migrate/acme/a", body)
    code, report = reconcile_json(server, "--grace", "0")
    assert code == 0, report
    assert report["tenants_checked"] == 0


def test_reconcile_reports_errors_with_exit_two(server):
    code, out, err = reconcile(server, env={"SATCHEL_STORE_BUCKET": "no-such-bucket"})
    assert code == 2, out + err
    assert "cannot list the store" in err
    assert "no-such-bucket" in err
    assert out == ""
    code, out, err = reconcile(server, "--tenant", "acme", "--grace", "-1")
    assert code != 0
    assert "--grace" in err
