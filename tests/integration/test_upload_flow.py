"""The whole flow of a person using Satchel, over real HTTP: sign in through
the development provider, upload through a presigned URL, list, download,
delete, and restart."""

import hashlib
import os
import socket
import urllib.parse

from satchel_harness import Client, Server, request, sign_in


def test_sign_in_issues_verifiable_token(server):
    tokens = sign_in(server, "alice", "acme")
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] > 0
    listing = Client(server, tokens["id_token"]).call("GET", "/v1/objects")
    assert listing.status == 200, listing
    assert listing.json() == {"objects": [], "next_cursor": None}


def test_upload_list_download_delete(server):
    client = Client(server, sign_in(server, "alice", "acme")["id_token"])
    data = os.urandom(100_000)

    started, put, completed = client.upload("attachments/report.bin", data)
    assert started.status == 201, started
    ticket = started.json()
    assert ticket["key"] == "acme/alice/attachments/report.bin"
    assert ticket["method"] == "PUT"
    assert ticket["headers"]["Content-Type"] == "application/octet-stream"
    assert put.status == 200, put
    assert put.header("ETag") == '"' + hashlib.md5(data).hexdigest() + '"'
    assert completed.status == 200, completed
    record = completed.json()
    assert record["size"] == len(data)
    assert record["revision"] == 1
    assert record["etag"] == put.header("ETag")
    assert record["version_id"] == put.header("x-amz-version-id")

    listing = client.call("GET", "/v1/objects?prefix=attachments/").json()
    assert [o["name"] for o in listing["objects"]] == ["attachments/report.bin"]

    fetched = client.download("attachments/report.bin")
    assert fetched.status == 200
    assert fetched.body == data

    deleted = client.call("DELETE", "/v1/objects/attachments/report.bin")
    assert deleted.status == 204, deleted
    assert client.call("GET", "/v1/objects/attachments/report.bin").status == 404
    assert client.download("attachments/report.bin").status == 404
    assert client.call("GET", "/v1/objects").json()["objects"] == []


def raw_exchange(server, request_text):
    """Sends one request over a plain socket and returns every byte the server
    sent until it closed, so a body after a HEAD reply would show."""
    parts = urllib.parse.urlsplit(server.api)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(request_text.encode())
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def test_head_of_object_sends_headers_only(server):
    client = Client(server, sign_in(server, "alice", "acme")["id_token"])
    assert client.upload("notes/head.txt", b"head me")[2].status == 200
    metadata = client.call("GET", "/v1/objects/notes/head.txt")
    assert metadata.status == 200, metadata

    def head(name):
        return raw_exchange(
            server, f"HEAD /v1/objects/{name} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {client.token}\r\nConnection: close\r\n\r\n")

    found_head, _, found_rest = head("notes/head.txt").partition(b"\r\n\r\n")
    assert found_head.startswith(b"HTTP/1.1 200 "), found_head
    assert f"Content-Length: {len(metadata.body)}".encode() in found_head
    assert found_rest == b""

    missing_head, _, missing_rest = head("notes/none.txt").partition(b"\r\n\r\n")
    assert missing_head.startswith(b"HTTP/1.1 404 "), missing_head
    assert missing_rest == b""

    wrong_method = client.call("PUT", "/v1/objects/notes/head.txt")
    assert wrong_method.status == 405, wrong_method
    assert wrong_method.header("Allow") == "GET, HEAD, POST, DELETE"


def test_replace_increments_revision_and_serves_new_bytes(server):
    client = Client(server, sign_in(server, "alice", "acme")["id_token"])
    first = client.upload("settings.json", b'{"theme":"dark"}', "application/json")[2]
    second = client.upload("settings.json", b'{"theme":"light"}', "application/json")[2]
    assert first.json()["revision"] == 1
    assert second.json()["revision"] == 2
    assert client.download("settings.json").body == b'{"theme":"light"}'


def test_names_with_spaces_plus_and_unicode_round_trip(server):
    client = Client(server, sign_in(server, "alice", "acme")["id_token"])
    for name in ["a b/c+d.txt", "100%/x", "dir/\u00fc.json", "libstdc++-docs.rpm"]:
        data = name.encode() * 3
        completed = client.upload(name, data)[2]
        assert completed.status == 200, (name, completed)
        quoted = urllib.parse.quote(name)
        assert client.call("GET", "/v1/objects/" + quoted).json()["name"] == name
        assert client.download(name).body == data


def test_download_redirect_follows_committed_version(server):
    client = Client(server, sign_in(server, "alice", "acme")["id_token"])
    client.upload("note.txt", b"hello", "text/plain")
    redirect = client.call("GET", "/v1/objects/note.txt?download=1")
    assert redirect.status == 302
    location = redirect.header("Location")
    assert "versionId=" in location
    assert request("GET", location).body == b"hello"


def test_uncompleted_upload_is_never_served(server):
    client = Client(server, sign_in(server, "alice", "acme")["id_token"])
    client.upload("note.txt", b"committed", "text/plain")
    ticket = client.call("POST", "/v1/uploads",
                         {"name": "note.txt", "content_type": "text/plain", "size": 5}).json()
    assert request("PUT", ticket["url"], body=b"stray", headers=ticket["headers"]).status == 200
#The PUT landed in the store but was never completed : downloads still
#name the committed version.
    assert client.download("note.txt").body == b"committed"


def test_admin_reads_own_tenant_only(server):
    alice = Client(server, sign_in(server, "alice", "acme")["id_token"])
    alice.upload("private.txt", b"alice's", "text/plain")
    admin = Client(server, sign_in(server, "boss", "acme", admin=True)["id_token"])
    listing = admin.call("GET", "/v1/objects?subject=alice")
    assert listing.status == 200, listing
    assert [o["name"] for o in listing.json()["objects"]] == ["private.txt"]
    download = admin.call("POST", "/v1/downloads", {"name": "private.txt", "subject": "alice"})
    assert download.status == 200
    assert request("GET", download.json()["url"]).body == b"alice's"

    outsider = Client(server, sign_in(server, "boss", "globex", admin=True)["id_token"])
    assert outsider.call("GET", "/v1/objects?subject=alice").json()["objects"] == []
    denied = outsider.call("POST", "/v1/downloads", {"name": "private.txt", "subject": "alice"})
    assert denied.status == 404


def test_user_cannot_reach_another_users_space(server):
    alice = Client(server, sign_in(server, "alice", "acme")["id_token"])
    alice.upload("private.txt", b"alice's", "text/plain")
    bob = Client(server, sign_in(server, "bob", "acme")["id_token"])
    listing = bob.call("GET", "/v1/objects?subject=alice")
    assert listing.status == 403, listing
    assert listing.json()["error"]["code"] == "forbidden"
    download = bob.call("POST", "/v1/downloads", {"name": "private.txt", "subject": "alice"})
    assert download.status == 403
    tutorial = bob.call("GET", "/presign/download?key=" +
                        urllib.parse.quote("acme/alice/private.txt"))
    assert tutorial.status == 403
    other_tenant = bob.call("GET", "/presign/download?key=" +
                            urllib.parse.quote("globex/bob/preferences.json"))
    assert other_tenant.status == 403


def test_tutorial_routes_work_unchanged(server):
    client = Client(server, sign_in(server, "alice", "acme")["id_token"])
    presigned = client.call("POST", "/presign/upload",
                            {"filename": "preferences.json", "contentType": "application/json"})
    assert presigned.status == 200, presigned
    body = presigned.json()
    assert set(body) == {"url", "key"}
    assert body["key"] == "acme/alice/preferences.json"
    document = b'{"language":"de"}'
    put = request("PUT", body["url"], body=document,
                  headers={"Content-Type": "application/json"})
    assert put.status == 200, put
    download = client.call("GET", "/presign/download?key=" + urllib.parse.quote(body["key"]))
    assert download.status == 200
    assert request("GET", download.json()["url"]).body == document
    default = client.call("GET", "/presign/download")
    assert default.json()["key"] == "acme/alice/preferences.json"


def test_data_and_records_survive_restart():
    server = Server().start()
    try:
        token = sign_in(server, "alice", "acme")["id_token"]
        data = os.urandom(4096)
        assert Client(server, token).upload("keep.bin", data)[2].status == 200
        server.stop()
        server.start()
#The signing key is kept in the data directory, so the old token
#still verifies after the restart.
        client = Client(server, token)
        assert [o["name"] for o in client.call("GET", "/v1/objects").json()["objects"]] == \
            ["keep.bin"]
        assert client.download("keep.bin").body == data
    finally:
        server.cleanup()


def test_web_page_is_served_with_security_headers(server):
    page = request("GET", server.api + "/")
    assert page.status == 200
    assert page.header("Content-Type").startswith("text/html")
    policy = page.header("Content-Security-Policy")
    assert "script-src 'self'" in policy
    assert server.store in policy
    assert page.header("X-Content-Type-Options") == "nosniff"
    config = request("GET", server.api + "/v1/config").json()
    assert config["issuer"] == server.issuer
    assert config["redirect_uri"] == server.api + "/"


def test_store_answers_cors_preflight_for_the_page(server):
    allowed = request("OPTIONS", f"{server.store}/{server.bucket}/acme/alice/x", headers={
        "Origin": server.api, "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "content-type"})
    assert allowed.status == 200
    assert allowed.header("Access-Control-Allow-Origin") == server.api
    denied = request("OPTIONS", f"{server.store}/{server.bucket}/acme/alice/x", headers={
        "Origin": "http://evil.example", "Access-Control-Request-Method": "PUT"})
    assert denied.status == 403
    assert denied.header("Access-Control-Allow-Origin") is None


def test_complete_commits_only_this_uploads_bytes(server):
    client = Client(server, sign_in(server, "alice", "acme")["id_token"])
    first = client.call("POST", "/v1/uploads",
                        {"name": "race.txt", "content_type": "text/plain", "size": 2}).json()
    second = client.call("POST", "/v1/uploads",
                         {"name": "race.txt", "content_type": "text/plain", "size": 2}).json()
    put_first = request("PUT", first["url"], body=b"AA", headers=first["headers"])
    put_second = request("PUT", second["url"], body=b"BB", headers=second["headers"])
    assert put_first.status == 200
    assert put_second.status == 200

    # The latest bytes in the store belong to the second upload, so the first
    # cannot complete against them.
    superseded = client.call("POST", f"/v1/uploads/{first['upload_id']}/complete")
    assert superseded.status == 409, superseded
    assert superseded.json()["error"]["code"] == "upload_superseded"

    # Naming the version its own PUT created completes it with its own bytes.
    completed = client.call("POST", f"/v1/uploads/{first['upload_id']}/complete",
                            {"version_id": put_first.header("x-amz-version-id")})
    assert completed.status == 200, completed
    assert completed.json()["version_id"] == put_first.header("x-amz-version-id")
    assert client.download("race.txt").body == b"AA"
