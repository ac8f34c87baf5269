"""Version history and restore over HTTP: GET /v1/objects/{name}/versions and
POST /v1/objects/{name}/restore, which copies an old version inside the store
and commits the copy as a new revision."""

import urllib.parse

from satchel_harness import Client, sign_in


def signed_in(server, user="alice", org="acme"):
    return Client(server, sign_in(server, user, org)["id_token"])


def write(client, name, data, content_type="application/json"):
    started, put, completed = client.upload(name, data, content_type)
    assert started.status == 201, started
    assert put.status == 200, put
    assert completed.status == 200, completed
    return completed.json()


def versions(client, name, query=""):
    reply = client.call("GET", f"/v1/objects/{urllib.parse.quote(name)}/versions{query}")
    assert reply.status == 200, reply
    return reply.json()


def test_versions_list_newest_first_with_cursor(server):
    client = signed_in(server)
    records = [write(client, "settings.json", b'{"n":%d}' % i) for i in range(3)]

    first = versions(client, "settings.json", "?limit=2")
    assert [v["revision"] for v in first["versions"]] == [3, 2]
    assert first["versions"][0]["version_id"] == records[2]["version_id"]
    assert first["versions"][0]["etag"] == records[2]["etag"]
    assert first["versions"][0]["deleted"] is False
    assert first["next_cursor"]
    rest = versions(client, "settings.json",
                    "?limit=2&cursor=" + urllib.parse.quote(first["next_cursor"]))
    assert [v["revision"] for v in rest["versions"]] == [1]
    assert rest["next_cursor"] is None


def test_delete_leaves_recoverable_history(server):
    client = signed_in(server)
    record = write(client, "notes/todo.json", b'{"todo":[]}')
    assert client.call("DELETE", "/v1/objects/notes/todo.json").status == 204

    history = versions(client, "notes/todo.json")["versions"]
    assert [v["deleted"] for v in history] == [True, False]
    assert history[0]["revision"] == 2
    assert history[1]["version_id"] == record["version_id"]

    restored = client.call("POST", "/v1/objects/notes/todo.json/restore",
                           {"version_id": record["version_id"]})
    assert restored.status == 200, restored
    assert restored.json()["revision"] == 3
    assert restored.json()["version_id"] != record["version_id"]
    assert client.download("notes/todo.json").body == b'{"todo":[]}'


def test_restore_makes_old_bytes_current(server):
    client = signed_in(server)
    old = write(client, "settings.json", b'{"theme":"dark"}')
    newer = write(client, "settings.json", b'{"theme":"light"}')

    restored = client.call("POST", "/v1/objects/settings.json/restore",
                           {"version_id": old["version_id"], "if_match": newer["etag"]})
    assert restored.status == 200, restored
    record = restored.json()
    assert record["revision"] == 3
    assert record["etag"] == old["etag"]
    assert record["size"] == old["size"]
    assert client.download("settings.json").body == b'{"theme":"dark"}'
    history = versions(client, "settings.json")["versions"]
    assert history[0]["restored_from"] == old["version_id"]
    assert history[0]["version_id"] == record["version_id"]


def test_restore_with_stale_if_match_conflicts(server):
    client = signed_in(server)
    old = write(client, "settings.json", b'{"a":1}')
    write(client, "settings.json", b'{"a":2}')

    stale = client.call("POST", "/v1/objects/settings.json/restore",
                        {"version_id": old["version_id"], "if_match": old["etag"]})
    assert stale.status == 409, stale
    assert stale.json()["current"]["revision"] == 2


def test_restore_rejects_unknown_version_and_delete_marker(server):
    client = signed_in(server)
    write(client, "a.json", b"{}")
    unknown = client.call("POST", "/v1/objects/a.json/restore", {"version_id": "nope"})
    assert unknown.status == 404, unknown
    assert unknown.json()["error"]["code"] == "version_not_found"

    assert client.call("DELETE", "/v1/objects/a.json").status == 204
    marker = versions(client, "a.json")["versions"][0]
    assert marker["deleted"] is True
    if marker["version_id"]:
        on_marker = client.call("POST", "/v1/objects/a.json/restore",
                                {"version_id": marker["version_id"]})
        assert on_marker.status == 400, on_marker
    missing = client.call("POST", "/v1/objects/a.json/restore", {})
    assert missing.status == 400, missing


def test_versions_are_private_to_their_owner(server):
    alice = signed_in(server, "alice")
    bob = signed_in(server, "bob")
    record = write(alice, "secret.json", b'{"pin":1}')

    assert versions(bob, "secret.json")["versions"] == []
    stolen = bob.call("POST", "/v1/objects/secret.json/restore",
                      {"version_id": record["version_id"]})
    assert stolen.status == 404, stolen


def test_object_named_versions_stays_reachable(server):
    client = signed_in(server)
    write(client, "docs/versions", b"plain", "text/plain")
    assert client.call("GET", "/v1/objects/docs%2Fversions").json()["name"] == "docs/versions"
    # The unencoded path names the history of "docs", which has none.
    assert versions(client, "docs")["versions"] == []
    history = client.call("GET", "/v1/objects/docs%2Fversions/versions").json()["versions"]
    assert [v["name"] for v in history] == ["docs/versions"]


def test_post_to_object_without_restore_is_not_found(server):
    client = signed_in(server)
    write(client, "a.json", b"{}")
    assert client.call("POST", "/v1/objects/a.json", {}).status == 404
