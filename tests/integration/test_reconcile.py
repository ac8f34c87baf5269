"""`satchel reconcile` against a running server with drift made on purpose,
and the 308 reply of POST /v1/downloads for a moved key's old name.

Drift is made behind Satchel's back. Objects are written with the AWS CLI
and the store's admin key, and index rows are deleted with sqlite3 or psql.
A version is deleted from the store, and one upload's PUT succeeds but the
upload is never completed. The file runs against the embedded store and, with
SATCHEL_TEST_STORE=rgw, against Ceph RGW; the PostgreSQL case runs in both.
"""

import json
import sqlite3

from satchel_harness import Client, Server, request, sign_in, utc_now


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
