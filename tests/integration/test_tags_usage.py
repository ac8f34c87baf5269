"""Object tags, GET /v1/admin/usage and the 308 reply for a moved key, on
both metadata back ends (SQLite and a private PostgreSQL server)."""

import json
import os
import sqlite3
import urllib.parse

import pytest

from postgres_harness import PostgresServer
from satchel_harness import Client, Server, request, sign_in, utc_now


@pytest.fixture(scope="module")
def postgres():
    instance = PostgresServer().start()
    yield instance
    instance.stop()


class Backend:
    """Where a test server keeps its metadata, and a way to write rows the
    API has no route for yet (key redirects)."""

    def __init__(self, kind, url, postgres=None, database=None):
        self.kind = kind
        self.url = url
        self.postgres = postgres
        self.database = database

    def add_redirect(self, tenant, old_key, new_key, cut_over_us):
        if self.kind == "sqlite":
            with sqlite3.connect(self.url.removeprefix("sqlite:")) as connection:
                connection.execute(
                    "INSERT INTO key_redirects (tenant, old_key, new_key, cut_over_at_us, "
                    "created_at_us) VALUES (?, ?, ?, ?, 0)",
                    (tenant, old_key, new_key, cut_over_us))
            return
        self.postgres.psql(self.database,
                           "INSERT INTO key_redirects (tenant, old_key, new_key, cut_over_at_us, "
                           f"created_at_us) VALUES ('{tenant}', '{old_key}', '{new_key}', "
                           f"{cut_over_us}, 0)")


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request, tmp_path):
    if request.param == "postgres":
        server = request.getfixturevalue("postgres")
        url = server.create_database()
        database = urllib.parse.urlsplit(url).path.lstrip("/")
        return Backend("postgres", url, server, database)
    return Backend("sqlite", "sqlite:" + str(tmp_path / "metadata.db"))


@pytest.fixture
def server(backend):
    instance = Server(env={"SATCHEL_METADATA_URL": backend.url}).start()
    yield instance
    instance.cleanup()


def user(server, name, tenant="acme", admin=False):
    return Client(server, sign_in(server, name, tenant, admin=admin)["id_token"])


def listed(client, query):
    reply = client.call("GET", "/v1/objects?" + query)
    assert reply.status == 200, reply
    return [o["name"] for o in reply.json()["objects"]]


def test_tags_are_stored_and_filter_the_listing(server):
    alice = user(server, "alice")
    uploads = [("a.txt", {"team": "blue", "stage": "final"}),
               ("b.txt", {"team": "blue"}),
               ("c.txt", {"team": "red", "note": "a:b c"}),
               ("d.txt", None)]
    for name, tags in uploads:
        extra = {} if tags is None else {"tags": tags}
        started, _, completed = alice.upload(name, b"data", "text/plain", **extra)
        assert started.status == 201, started
        assert completed.status == 200, completed
        assert completed.json()["tags"] == (tags or {})

    record = alice.call("GET", "/v1/objects/a.txt")
    assert record.json()["tags"] == {"team": "blue", "stage": "final"}
    assert listed(alice, "tag=team:blue") == ["a.txt", "b.txt"]
    assert listed(alice, "tag=team:blue&tag=stage:final") == ["a.txt"]
    # The key ends at the first ':', so the value keeps the rest.
    assert listed(alice, "tag=" + urllib.parse.quote("note:a:b c")) == ["c.txt"]
    assert listed(alice, "tag=team:Blue") == []
    assert listed(alice, "tag=team:blue&prefix=b") == ["b.txt"]
    page = alice.call("GET", "/v1/objects?tag=team:blue&limit=1").json()
    assert [o["name"] for o in page["objects"]] == ["a.txt"]
    assert listed(alice, "tag=team:blue&limit=1&cursor="
                  + urllib.parse.quote(page["next_cursor"])) == ["b.txt"]
    # Another user's tags never show up in alice's listing.
    bob = user(server, "bob")
    assert bob.upload("mine.txt", b"x", "text/plain", tags={"team": "blue"})[2].status == 200
    assert listed(alice, "tag=team:blue") == ["a.txt", "b.txt"]


def test_rewrite_replaces_tags(server):
    alice = user(server, "alice")
    assert alice.upload("a.txt", b"1", "text/plain", tags={"stage": "draft"})[2].status == 200
    assert alice.upload("a.txt", b"2", "text/plain", tags={"stage": "final"})[2].status == 200
    assert alice.call("GET", "/v1/objects/a.txt").json()["tags"] == {"stage": "final"}
    assert listed(alice, "tag=stage:draft") == []
    versions = alice.call("GET", "/v1/objects/a.txt/versions").json()["versions"]
    assert [version["tags"] for version in versions] == [{"stage": "final"}, {"stage": "draft"}]


@pytest.mark.parametrize("tags", [
    {f"k{i}": "v" for i in range(11)},
    {"k" * 129: "v"},
    {"k": "v" * 257},
    {"": "v"},
    {"a:b": "v"},
    {"k": 1},
    {"k": "line\nbreak"},
    ["team", "blue"],
    "team=blue",
])
def test_invalid_tags_are_bad_requests(server, tags):
    alice = user(server, "alice")
    reply = alice.call("POST", "/v1/uploads",
                       {"name": "a.txt", "content_type": "text/plain", "size": 1, "tags": tags})
    assert reply.status == 400, reply
    assert reply.json()["error"]["code"] == "invalid_request"
    assert "tag" in reply.json()["error"]["message"]


def test_limits_of_tags_are_inclusive(server):
    alice = user(server, "alice")
    tags = {f"k{i}": "" for i in range(9)}
    tags["ß" * 128] = "€" * 256
    started, _, completed = alice.upload("a.txt", b"x", "text/plain", tags=tags)
    assert completed.status == 200, (started, completed)
    assert completed.json()["tags"] == tags


def test_repeated_tag_key_rejected(server):
    alice = user(server, "alice")
    body = '{"name": "a.txt", "content_type": "text/plain", "size": 1, ' \
           '"tags": {"team": "blue", "team": "red"}}'
    reply = request("POST", server.api + "/v1/uploads", body=body,
                    headers={"Authorization": "Bearer " + alice.token,
                             "Content-Type": "application/json"})
    assert reply.status == 400, reply
    assert "team" in reply.json()["error"]["message"]


@pytest.mark.parametrize("query", ["tag=team", "tag=:blue", "tag=team:blue&tag=team:red"])
def test_malformed_tag_filter_is_a_bad_request(server, query):
    reply = user(server, "alice").call("GET", "/v1/objects?" + query)
    assert reply.status == 400, reply
    assert reply.json()["error"]["code"] == "invalid_tag_filter"


def test_usage_counts_each_subject_of_the_tenant(server):
    alice, bob = user(server, "alice"), user(server, "bob")
    assert alice.upload("photos/a.jpg.txt", b"12345", "text/plain")[2].status == 200
    assert alice.upload("photos/b.txt", b"123", "text/plain")[2].status == 200
    assert alice.upload("notes.txt", b"1", "text/plain")[2].status == 200
    assert bob.upload("notes.txt", b"1234567", "text/plain")[2].status == 200
    outsider = user(server, "mallory", "globex")
    assert outsider.upload("secret.txt", b"x" * 50, "text/plain")[2].status == 200

    admin = user(server, "boss", admin=True)
    reply = admin.call("GET", "/v1/admin/usage")
    assert reply.status == 200, reply
    body = reply.json()
    assert body["tenant"] == "acme"
    assert body["subjects"] == [{"subject": "alice", "objects": 3, "bytes": 9},
                                {"subject": "bob", "objects": 1, "bytes": 7}]
    assert body["next_cursor"] is None

    photos = admin.call("GET", "/v1/admin/usage?prefix=photos/").json()["subjects"]
    assert photos == [{"subject": "alice", "objects": 2, "bytes": 8}]

    first = admin.call("GET", "/v1/admin/usage?limit=1").json()
    assert [s["subject"] for s in first["subjects"]] == ["alice"]
    second = admin.call("GET", "/v1/admin/usage?limit=1&cursor="
                        + urllib.parse.quote(first["next_cursor"])).json()
    assert [s["subject"] for s in second["subjects"]] == ["bob"]
    assert second["next_cursor"] is None

    other = user(server, "chief", "globex", admin=True).call("GET", "/v1/admin/usage").json()
    assert other["subjects"] == [{"subject": "mallory", "objects": 1, "bytes": 50}]


def test_usage_is_for_admins_only(server):
    alice = user(server, "alice")
    assert alice.upload("a.txt", b"x", "text/plain")[2].status == 200
    reply = alice.call("GET", "/v1/admin/usage")
    assert reply.status == 403, reply
    assert reply.json()["error"]["code"] == "forbidden"
    assert Client(server, "not.a.token").call("GET", "/v1/admin/usage").status == 401


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "limit=x", "cursor=!!!",
                                   "cursor=" + urllib.parse.quote("YXVkaXQ6Mg")])
def test_malformed_usage_query_is_a_bad_request(server, query):
    reply = user(server, "boss", admin=True).call("GET", "/v1/admin/usage?" + query)
    assert reply.status == 400, reply


def microseconds(delta_seconds):
    return int((utc_now().timestamp() + delta_seconds) * 1_000_000)


def test_moved_key_redirects_until_cut_over(server, backend):
    alice = user(server, "alice")
    assert alice.upload("new/report.txt", b"report", "text/plain")[2].status == 200
    backend.add_redirect("acme", "acme/alice/old report.txt", "acme/alice/new/report.txt",
                         microseconds(3600))
    backend.add_redirect("acme", "acme/alice/expired.txt", "acme/alice/new/report.txt",
                         microseconds(-3600))

    moved = alice.call("GET", "/v1/objects/old%20report.txt?download=1")
    assert moved.status == 308, moved
    assert moved.header("Location") == "/v1/objects/new/report.txt?download=1"
    assert moved.json()["key"] == "acme/alice/new/report.txt"
    followed = alice.call("GET", moved.header("Location").removesuffix("?download=1"))
    assert followed.status == 200, followed
    assert followed.json()["name"] == "new/report.txt"

    assert alice.call("GET", "/v1/objects/expired.txt").status == 404
    assert alice.call("GET", "/v1/objects/never-moved.txt").status == 404
    lines = [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]
    uses = [line for line in lines if line.get("msg") == "moved key redirected"]
    assert len(uses) == 1, uses
    assert uses[0]["old_key"] == "acme/alice/old report.txt"
    assert uses[0]["subject"] == "alice"
    assert uses[0]["tenant"] == "acme"


def test_moved_key_is_not_revealed_to_other_users(server, backend):
    alice, bob = user(server, "alice"), user(server, "bob")
    assert alice.upload("b.txt", b"x", "text/plain")[2].status == 200
    # A redirect of bob's key into alice's space must not show alice's key to
    # bob, who may not read it.
    backend.add_redirect("acme", "acme/bob/a.txt", "acme/alice/b.txt", microseconds(3600))
    reply = bob.call("GET", "/v1/objects/a.txt")
    assert reply.status == 404, reply
    assert "alice" not in reply.body.decode()
    admin = user(server, "boss", admin=True)
    moved = admin.call("GET", "/v1/objects/a.txt?subject=bob")
    assert moved.status == 308, moved
    assert moved.header("Location") == "/v1/objects/b.txt?subject=alice"
