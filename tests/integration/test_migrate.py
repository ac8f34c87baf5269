"""`satchel migrate` against a running server: a generated legacy tree of
10,000 files imported, killed part way and resumed, then checked through the
report, the metadata index, the store's version listing and the API's
redirect from an old name. Runs on the embedded store, and on Ceph RGW when
SATCHEL_TEST_STORE=rgw; one test uses PostgreSQL for the index."""

import csv
import hashlib
import json
import os
import pty
import signal
import sqlite3
import struct
import subprocess
import time
import urllib.parse
import xml.etree.ElementTree as ElementTree
import zlib

import pytest

from postgres_harness import PostgresServer
from rgw_harness import signed_request
from satchel_harness import SATCHEL_BINARY, Client, Server, request

ORG = "acme"
CUT_OVER = "2099-01-01"
MAPPINGS = ["legacy/{user}/prefs.json={org}/{sub}/preferences.json",
            "legacy/{user}/{file*}={org}/{sub}/files/{file}"]
S3_NAMESPACE = "{http://s3.amazonaws.com/doc/2006-03-01/}"
# The import must be well under way before it is killed.
KILL_AFTER_CHECKPOINT_LINES = 1500
MIGRATE_TIMEOUT_SECONDS = 300


def tiny_png(seed):
    """A valid 1x1 PNG whose pixel depends on seed, so files differ."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixel = zlib.compress(b"\x00" + bytes([seed % 256, (seed // 256) % 256, 7]))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixel) + chunk(b"IEND", b"")


def preferences(index):
    return json.dumps({"theme": "dark", "language": "en", "time_zone": "UTC",
                       "email_notifications": index % 2 == 0}).encode()


class LegacyTree:
    """Files of a legacy app, four per user, with known bad ones:
    schema-invalid preferences, a JSON text named .png, text that is not
    UTF-8, and a PNG named .json. Three files match no mapping."""

    def __init__(self, users):
        self.files = {}
        self.expected_failures = {}
        for index in range(users):
            user = f"u{index:05d}"
            base = f"legacy/{user}/"
            if index % 20 == 0:
                self.add_bad(base + "prefs.json", b'{"theme":"purple"}', "do not match the schema")
            else:
                self.files[base + "prefs.json"] = preferences(index)
            if index % 50 == 0:
                self.add_bad(base + "avatar.png", b'{"not":"an image"}', "content type mismatch")
            else:
                self.files[base + "avatar.png"] = tiny_png(index)
            if index % 25 == 0:
                self.add_bad(base + "notes.txt", "caf\u00e9 notes".encode("latin-1"),
                             "not valid UTF-8")
            else:
                self.files[base + "notes.txt"] = f"notes of {user}\n".encode()
            if index % 30 == 0:
                self.add_bad(base + "settings.json", tiny_png(index), "content type mismatch")
            else:
                self.files[base + "settings.json"] = json.dumps({"user": user}).encode()
        self.unmapped = ["README", "tmp/scratch.txt", "legacy/orphan.txt"]
        for name in self.unmapped:
            self.files[name] = b"not part of any user\n"

    def add_bad(self, key, data, reason):
        self.files[key] = data
        self.expected_failures[key] = reason

    @property
    def valid_keys(self):
        return [key for key in self.files
                if key not in self.expected_failures and key not in self.unmapped]

    def write(self, root):
        for key, data in self.files.items():
            path = os.path.join(root, key)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as handle:
                handle.write(data)


def target_key(legacy_key):
    _, user, name = legacy_key.split("/", 2)
    if name == "prefs.json":
        return f"{ORG}/{user}/preferences.json"
    return f"{ORG}/{user}/files/{name}"


def migrate_command(server, *args):
    return [SATCHEL_BINARY, "migrate", "--data-dir", server.data_dir,
            "--store-listen", f"127.0.0.1:{server.store_port}",
            *[value for mapping in MAPPINGS for value in ("--map", mapping)], *args]


def migrate_env(server, extra=None):
    return {**os.environ, **server.env, **(extra or {})}


def run_migrate(server, *args, extra_env=None):
    return subprocess.run(migrate_command(server, *args), env=migrate_env(server, extra_env),
                          capture_output=True, text=True, timeout=MIGRATE_TIMEOUT_SECONDS)


def read_report(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return {row["source"]: row for row in csv.DictReader(handle)}


def count_lines(path):
    try:
        with open(path, "rb") as handle:
            return handle.read().count(b"\n")
    except FileNotFoundError:
        return 0


def store_keys(server):
    """Credentials and endpoint for S3 calls to the server's bucket."""
    values = server.store_credentials()
    return (server.store, values["AWS_ACCESS_KEY_ID"], values["AWS_SECRET_ACCESS_KEY"],
            values.get("AWS_DEFAULT_REGION", "us-east-1"))


def list_store_versions(server, prefix):
    """Every version and delete marker under prefix, as (key, version id,
    is delete marker), through ListObjectVersions."""
    endpoint, access_key, secret_key, region = store_keys(server)
    found = []
    markers = {}
    while True:
        params = {"prefix": prefix, "versions": "", "max-keys": "1000", **markers}
        query = "&".join(f"{urllib.parse.quote(name, safe='-_.~')}="
                         f"{urllib.parse.quote(value, safe='-_.~')}"
                         for name, value in sorted(params.items()))
        reply = signed_request(endpoint, access_key, secret_key, region, "GET",
                               "/" + server.bucket, query)
        assert reply.status == 200, reply
        root = ElementTree.fromstring(reply.body)
        for element in root:
            tag = element.tag.replace(S3_NAMESPACE, "")
            if tag in ("Version", "DeleteMarker"):
                found.append((element.findtext(S3_NAMESPACE + "Key"),
                              element.findtext(S3_NAMESPACE + "VersionId"),
                              tag == "DeleteMarker"))
        if root.findtext(S3_NAMESPACE + "IsTruncated") != "true":
            return found
        markers = {"key-marker": root.findtext(S3_NAMESPACE + "NextKeyMarker"),
                   "version-id-marker": root.findtext(S3_NAMESPACE + "NextVersionIdMarker")}


def sqlite_rows(server, sql):
    connection = sqlite3.connect(os.path.join(server.data_dir, "metadata.db"))
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def check_index_sqlite(server, tree):
    valid = tree.valid_keys
    objects = dict(sqlite_rows(server, f"SELECT key, revision FROM objects WHERE tenant = '{ORG}'"))
    assert len(objects) == len(valid)
    assert set(objects) == {target_key(key) for key in valid}
    assert set(objects.values()) == {1}
    history = sqlite_rows(server, "SELECT key, COUNT(*) FROM object_versions GROUP BY key "
                                  "HAVING COUNT(*) > 1")
    assert history == []
    redirects = sqlite_rows(server, f"SELECT COUNT(*) FROM key_redirects WHERE tenant = '{ORG}'")
    assert redirects == [(len(valid),)]


def check_store_versions(server, tree):
    versions = list_store_versions(server, ORG + "/")
    per_key = {}
    for key, _, is_marker in versions:
        assert not is_marker, key
        per_key[key] = per_key.get(key, 0) + 1
    assert set(per_key) == {target_key(key) for key in tree.valid_keys}
    duplicates = {key: count for key, count in per_key.items() if count != 1}
    assert duplicates == {}


def check_report(report, tree):
    assert set(report) == set(tree.files)
    for key in tree.unmapped:
        assert report[key]["outcome"] == "no_mapping"
        assert report[key]["reason"] == "no mapping"
    for key, reason in tree.expected_failures.items():
        assert report[key]["outcome"] == "failed", report[key]
        assert reason in report[key]["reason"], report[key]
        assert report[key]["target_key"] == target_key(key)
    for key in tree.valid_keys:
        assert report[key]["outcome"] in ("imported", "already_imported"), report[key]
        assert report[key]["target_key"] == target_key(key)
        assert report[key]["version_id"] != ""


def follow_redirect(server, user, old_name, new_name, expected_bytes):
    client = Client(server, server.mint_token(user, ORG))
    moved = client.call("GET", f"/v1/objects/{old_name}")
    assert moved.status == 308, moved
    assert moved.header("Location") == f"/v1/objects/{new_name}"
    assert moved.json()["key"] == f"{ORG}/{user}/{new_name}"
    record = client.call("GET", moved.header("Location"))
    assert record.status == 200, record
    assert record.json()["sha256"] == hashlib.sha256(expected_bytes).hexdigest()
    download = client.call("GET", moved.header("Location") + "?download=1")
    assert download.status == 302, download
    fetched = request("GET", download.header("Location"))
    assert fetched.status == 200
    assert fetched.body == expected_bytes


@pytest.fixture
def server():
    instance = Server().start()
    yield instance
    instance.cleanup()


@pytest.fixture
def quiet_server():
    """A server that logs warnings and errors only, because an info line for
    each of the tens of thousands of store requests of a large import makes
    its log slow to write and to scan."""
    instance = Server(env={"SATCHEL_LOG_LEVEL": "warn"}).start()
    yield instance
    instance.cleanup()


def test_ten_thousand_files_killed_and_resumed(quiet_server, tmp_path):
    server = quiet_server
    info_logs = {"SATCHEL_LOG_LEVEL": "info"}
    tree = LegacyTree(users=2500)
    assert len(tree.files) >= 10000
    tree.write(tmp_path / "legacy-root")
    report_path = tmp_path / "report.csv"
    checkpoint_path = tmp_path / "checkpoint.jsonl"
    args = ["--source-dir", str(tmp_path / "legacy-root"), "--org", ORG,
            "--report", str(report_path), "--checkpoint", str(checkpoint_path),
            "--cut-over", CUT_OVER, "--concurrency", "16", "--progress-interval", "2"]
    started = time.monotonic()

    first = subprocess.Popen(migrate_command(server, *args), env=migrate_env(server, info_logs),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while count_lines(checkpoint_path) < KILL_AFTER_CHECKPOINT_LINES:
        assert first.poll() is None, "the import finished before it could be killed"
        assert time.monotonic() - started < MIGRATE_TIMEOUT_SECONDS
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert count_lines(checkpoint_path) < len(tree.valid_keys)

    resumed = run_migrate(server, *args, extra_env=info_logs)
    assert resumed.returncode == 1, resumed.stderr  # the bad files failed
    summary = resumed.stdout.strip()
    assert f"failed {len(tree.expected_failures)}" in summary
    assert "no mapping 3" in summary
    assert "progress:" in resumed.stderr
    report = read_report(report_path)
    check_report(report, tree)
    already = sum(1 for row in report.values() if row["outcome"] == "already_imported")
    assert already >= KILL_AFTER_CHECKPOINT_LINES - 1
    check_index_sqlite(server, tree)
    check_store_versions(server, tree)
    # A bound against slowdowns, not a benchmark: the whole test took about
    # three minutes with concurrency 8 on two cores shared with other builds
    # (load average 10).
    assert time.monotonic() - started < 300

    follow_redirect(server, "u00001", "prefs.json", "preferences.json",
                    tree.files["legacy/u00001/prefs.json"])
    follow_redirect(server, "u00003", "avatar.png", "files/avatar.png",
                    tree.files["legacy/u00003/avatar.png"])

    # A third run over the same tree writes nothing new.
    again = run_migrate(server, *args)
    assert again.returncode == 1
    assert f"imported 0, skipped {len(tree.valid_keys) + 3}" in again.stdout
    check_store_versions(server, tree)


def test_dry_run_writes_nothing(server, tmp_path):
    tree = LegacyTree(users=60)
    tree.write(tmp_path / "legacy-root")
    report_path = tmp_path / "report.jsonl"
    dry = run_migrate(server, "--source-dir", str(tmp_path / "legacy-root"), "--org", ORG,
                      "--report", str(report_path), "--dry-run")
    assert dry.returncode == 1, dry.stderr
    assert dry.stdout.startswith(f"would import {len(tree.valid_keys)}, ")
    with open(report_path, encoding="utf-8") as handle:
        lines = [json.loads(line) for line in handle]
    outcomes = {line["source"]: line["outcome"] for line in lines}
    assert len(lines) == len(tree.files)
    for key in tree.valid_keys:
        assert outcomes[key] == "would_import"
    for key in tree.expected_failures:
        assert outcomes[key] == "failed"
    assert sqlite_rows(server, "SELECT COUNT(*) FROM objects") == [(0,)]
    assert sqlite_rows(server, "SELECT COUNT(*) FROM pending_uploads") == [(0,)]
    assert sqlite_rows(server, "SELECT COUNT(*) FROM key_redirects") == [(0,)]
    assert list_store_versions(server, "") == []


def test_progress_bar_on_terminal(server, tmp_path):
    tree_root = tmp_path / "legacy-root"
    LegacyTree(users=5).write(tree_root)
    controller, terminal = pty.openpty()
    try:
        completed = subprocess.run(
            migrate_command(server, "--source-dir", str(tree_root), "--org", ORG, "--dry-run"),
            env=migrate_env(server), stdout=subprocess.PIPE, stderr=terminal,
            timeout=MIGRATE_TIMEOUT_SECONDS)
        os.close(terminal)
        terminal = None
        shown = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # Linux reports EIO once the terminal side is closed
                break
            if not chunk:
                break
            shown += chunk
    finally:
        if terminal is not None:
            os.close(terminal)
        os.close(controller)
    assert completed.returncode == 1
    assert b"\r[##############################] 20/20 objects" in shown
    assert b"objects/s" in shown
    assert b"progress:" not in shown


def test_no_redirect_over_another_objects_name(server, tmp_path):
    tree_root = tmp_path / "legacy-root"
    os.makedirs(tree_root / "legacy" / "alice")
    (tree_root / "legacy" / "alice" / "prefs.json").write_bytes(preferences(1))
    (tree_root / "legacy" / "alice" / "preferences.json").write_bytes(preferences(2))
    imported = run_migrate(server, "--source-dir", str(tree_root), "--org", ORG,
                           "--cut-over", CUT_OVER)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.startswith("imported 2, ")
    redirects = sqlite_rows(server, "SELECT old_key, new_key FROM key_redirects")
    # files/preferences.json would redirect from preferences.json, which is
    # where prefs.json went, so only the redirect from prefs.json exists.
    assert redirects == [(f"{ORG}/alice/prefs.json", f"{ORG}/alice/preferences.json")]


def test_options_checked_before_any_write(server, tmp_path):
    tree_root = tmp_path / "legacy-root"
    LegacyTree(users=2).write(tree_root)
    no_cut_over = run_migrate(server, "--source-dir", str(tree_root), "--org", ORG)
    assert no_cut_over.returncode == 2
    assert "--cut-over is required" in no_cut_over.stderr
    both_tenants = run_migrate(server, "--source-dir", str(tree_root), "--org", ORG,
                               "--users", str(tmp_path / "users.csv"), "--cut-over", CUT_OVER)
    assert both_tenants.returncode == 2
    assert "exactly one of --org and --users" in both_tenants.stderr
    bad_map = subprocess.run(
        [SATCHEL_BINARY, "migrate", "--data-dir", server.data_dir, "--source-dir",
         str(tree_root), "--org", ORG, "--cut-over", CUT_OVER, "--map", "legacy/{user}/x"],
        env=migrate_env(server), capture_output=True, text=True)
    assert bad_map.returncode == 2
    assert "expected SOURCE=TARGET" in bad_map.stderr
    assert sqlite_rows(server, "SELECT COUNT(*) FROM objects") == [(0,)]


def test_second_signal_exits_at_once(server, tmp_path):
    tree = LegacyTree(users=400)
    tree.write(tmp_path / "legacy-root")
    args = ["--source-dir", str(tmp_path / "legacy-root"), "--org", ORG,
            "--checkpoint", str(tmp_path / "checkpoint.jsonl"), "--cut-over", CUT_OVER]
    first = subprocess.Popen(migrate_command(server, *args), env=migrate_env(server),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + MIGRATE_TIMEOUT_SECONDS
    while count_lines(tmp_path / "checkpoint.jsonl") < 50:
        assert first.poll() is None, "the import finished before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    # Two different signals, because the kernel merges a second SIGINT that
    # arrives before the first was delivered.
    first.send_signal(signal.SIGINT)
    first.send_signal(signal.SIGTERM)
    stdout, stderr = first.communicate(timeout=60)
    assert first.returncode in (128 + signal.SIGINT, 128 + signal.SIGTERM), stderr
    assert stdout == ""
    assert "second signal" in stderr

    resumed = run_migrate(server, *args)
    assert resumed.returncode == 1, resumed.stderr
    check_index_sqlite(server, tree)
    check_store_versions(server, tree)


def test_resume_commits_copy_left_in_place(server, tmp_path):
    """A run that stopped after its copy into place but before its commit:
    the rerun commits that copy instead of writing a second version."""
    tree_root = tmp_path / "legacy-root"
    tree = LegacyTree(users=3)
    tree.write(tree_root)
    args = ["--source-dir", str(tree_root), "--org", ORG, "--cut-over", CUT_OVER]
    first = run_migrate(server, *args)
    assert first.returncode == 1, first.stderr
    key = target_key("legacy/u00001/notes.txt")
    [(version_id,)] = sqlite_rows(server, f"SELECT version_id FROM objects WHERE key = '{key}'")

    # Undo the commit in the index only: the store keeps the copy.
    connection = sqlite3.connect(os.path.join(server.data_dir, "metadata.db"))
    with connection:
        connection.execute("UPDATE pending_uploads SET state = 'pending' WHERE key = ?", (key,))
        connection.execute("DELETE FROM objects WHERE key = ?", (key,))
        connection.execute("DELETE FROM object_versions WHERE key = ?", (key,))
    connection.close()

    again = run_migrate(server, *args)
    assert again.returncode == 1, again.stderr
    assert again.stdout.startswith("imported 1, "), again.stdout
    rows = sqlite_rows(server, f"SELECT version_id, revision FROM objects WHERE key = '{key}'")
    assert rows == [(version_id, 1)]
    versions = [entry for entry in list_store_versions(server, key) if entry[0] == key]
    assert versions == [(key, version_id, False)]


def test_s3_source_with_users_file(server, tmp_path):
    tree = LegacyTree(users=12)
    endpoint, access_key, secret_key, region = store_keys(server)
    if server.external_store is not None:
        bucket = server.external_store.new_bucket()
    else:
        bucket = "legacy-source"
        created = signed_request(endpoint, access_key, secret_key, region, "PUT", "/" + bucket)
        assert created.status == 200, created
    for key, data in [*tree.files.items(), ("other/outside-prefix.txt", b"x")]:
        put = signed_request(endpoint, access_key, secret_key, region, "PUT",
                             f"/{bucket}/{urllib.parse.quote(key)}", body=data)
        assert put.status == 200, put
    users_path = tmp_path / "users.csv"
    with open(users_path, "w", encoding="utf-8") as handle:
        handle.write("legacy_user,org,sub\n")
        for index in range(12):
            handle.write(f"u{index:05d},beta,subject-{index}\n")
    report_path = tmp_path / "report.csv"
    source_env = {"AWS_ACCESS_KEY_ID": access_key, "AWS_SECRET_ACCESS_KEY": secret_key,
                  "AWS_REGION": region}
    imported = run_migrate(server, "--source-s3", endpoint, "--source-bucket", bucket,
                           "--source-prefix", "legacy/", "--users", str(users_path),
                           "--report", str(report_path), "--cut-over", CUT_OVER,
                           extra_env=source_env)
    assert imported.returncode == 1, imported.stderr
    report = read_report(report_path)
    # The listing stops at the prefix, so only keys under legacy/ appear.
    assert set(report) == {key for key in tree.files if key.startswith("legacy/")}
    assert report["legacy/orphan.txt"]["outcome"] == "no_mapping"
    valid = tree.valid_keys
    imported_rows = [row for row in report.values() if row["outcome"] == "imported"]
    assert len(imported_rows) == len(valid)
    assert report["legacy/u00003/prefs.json"]["target_key"] == "beta/subject-3/preferences.json"
    objects = sqlite_rows(server, "SELECT COUNT(*) FROM objects WHERE tenant = 'beta'")
    assert objects == [(len(valid),)]

    client = Client(server, server.mint_token("subject-3", "beta"))
    moved = client.call("GET", "/v1/objects/notes.txt")
    assert moved.status == 308, moved
    assert moved.header("Location") == "/v1/objects/files/notes.txt"
    downloaded = client.download("files/notes.txt")
    assert downloaded.status == 200
    assert downloaded.body == tree.files["legacy/u00003/notes.txt"]


@pytest.fixture
def postgres():
    instance = PostgresServer().start()
    yield instance
    instance.stop()


def test_postgres_index_interrupted_and_resumed(postgres, tmp_path):
    database_url = postgres.create_database()
    server = Server(env={"SATCHEL_METADATA_URL": database_url}).start()
    try:
        database = urllib.parse.urlsplit(database_url).path.lstrip("/")
        tree = LegacyTree(users=400)
        tree.write(tmp_path / "legacy-root")
        checkpoint_path = tmp_path / "checkpoint.jsonl"
        args = ["--source-dir", str(tmp_path / "legacy-root"), "--org", ORG,
                "--checkpoint", str(checkpoint_path), "--cut-over", CUT_OVER,
                "--concurrency", "4"]
        first = subprocess.Popen(migrate_command(server, *args), env=migrate_env(server),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + MIGRATE_TIMEOUT_SECONDS
        while count_lines(checkpoint_path) < 100:
            assert first.poll() is None, "the import finished before it could be interrupted"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        first.send_signal(signal.SIGINT)
        stdout, stderr = first.communicate(timeout=60)
        assert first.returncode == 1, stderr
        assert "interrupted" in stdout

        resumed = run_migrate(server, *args)
        assert resumed.returncode == 1, resumed.stderr
        assert f"failed {len(tree.expected_failures)}" in resumed.stdout
        valid = tree.valid_keys
        count = postgres.psql(database, f"SELECT COUNT(*) FROM objects WHERE tenant = '{ORG}'")
        assert int(count) == len(valid)
        repeated = postgres.psql(database, "SELECT COUNT(*) FROM (SELECT key FROM object_versions "
                                           "GROUP BY key HAVING COUNT(*) > 1) AS repeated")
        assert int(repeated) == 0
        redirects = postgres.psql(database, "SELECT COUNT(*) FROM key_redirects")
        assert int(redirects) == len(valid)
        audited = postgres.psql(database, "SELECT COUNT(*) FROM audit_events "
                                          "WHERE subject = 'satchel-migrate'")
        assert int(audited) == len(valid)
        check_store_versions(server, tree)
        follow_redirect(server, "u00007", "notes.txt", "files/notes.txt",
                        tree.files["legacy/u00007/notes.txt"])
    finally:
        server.cleanup()
