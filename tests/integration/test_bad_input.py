"""Every kind of bad input gets the right status and error body, and nothing
is stored or recorded."""

import base64
import datetime
import http.client
import json
import urllib.parse

import pytest

from satchel_harness import Client, presign, request, sign_in, utc_now


@pytest.fixture
def alice(server):
    return Client(server, sign_in(server, "alice", "acme")["id_token"])


def assert_nothing_recorded(client):
    assert client.call("GET", "/v1/objects").json()["objects"] == []


def test_missing_token_gets_401_with_challenge(server):
    reply = request("GET", server.api + "/v1/objects")
    assert reply.status == 401
    assert reply.header("WWW-Authenticate").startswith("Bearer")
    assert reply.json()["error"]["code"] == "unauthorized"


def test_non_bearer_scheme_gets_401(server):
    reply = request("GET", server.api + "/v1/objects", headers={"Authorization": "Basic YTpi"})
    assert reply.status == 401
    assert 'error="invalid_request"' in reply.header("WWW-Authenticate")


def test_tampered_token_gets_401(server, alice):
    header, payload, signature = alice.token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "mallory"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    reply = Client(server, f"{header}.{forged}.{signature}").call("GET", "/v1/objects")
    assert reply.status == 401
    assert 'error="invalid_token"' in reply.header("WWW-Authenticate")
#The challenge names the reason but never echoes the token.
    assert signature not in reply.header("WWW-Authenticate")
    assert signature.encode() not in reply.body


def test_expired_token_gets_401(server):
    expired_at = int(utc_now().timestamp()) - 3600
    token = server.mint_token("alice", "acme", extra_args=["--expires-at", str(expired_at)])
    reply = Client(server, token).call("GET", "/v1/objects")
    assert reply.status == 401
    assert "expired" in reply.header("WWW-Authenticate")


def test_token_minted_by_cli_is_accepted(server):
    token = server.mint_token("carol", "acme", roles=["admin"])
    reply = Client(server, token).call("GET", "/v1/objects?subject=alice")
    assert reply.status == 200, reply


@pytest.mark.parametrize("name", ["../bob/x", "a/../../b", "a//b", "/abs", "trail/", ".",
                                  "a\x01b", "a\nb", "back\\slash", ""])
def test_bad_names_get_400(alice, name):
    reply = alice.call("POST", "/v1/uploads",
                       {"name": name, "content_type": "text/plain", "size": 1})
    assert reply.status == 400, (name, reply)
    assert reply.json()["error"]["code"] == "invalid_request"
    assert_nothing_recorded(alice)


def test_oversized_upload_gets_413(alice):
    reply = alice.call("POST", "/v1/uploads", {
        "name": "big.bin", "content_type": "application/octet-stream", "size": 10 ** 12})
    assert reply.status == 413
    assert reply.json()["error"]["code"] == "too_large"


def test_disallowed_content_type_gets_415(alice):
    reply = alice.call("POST", "/v1/uploads",
                       {"name": "page.html", "content_type": "text/html", "size": 10})
    assert reply.status == 415


def test_malformed_json_gets_400(alice):
    reply = request("POST", alice.server.api + "/v1/uploads", body="{not json",
                    headers={"Authorization": "Bearer " + alice.token})
    assert reply.status == 400
    assert reply.json()["error"]["code"] == "invalid_json"


def start_upload(client, data, content_type="text/plain", name="note.txt"):
    reply = client.call("POST", "/v1/uploads",
                        {"name": name, "content_type": content_type, "size": len(data)})
    assert reply.status == 201, reply
    return reply.json()


def assert_s3_error(reply, status, code):
    assert reply.status == status, reply
    assert reply.header("Content-Type") == "application/xml"
    assert f"<Code>{code}</Code>".encode() in reply.body, reply


def test_body_larger_than_signed_is_rejected(alice):
    ticket = start_upload(alice, b"12345")
    reply = request("PUT", ticket["url"], body=b"1234567890", headers=ticket["headers"])
    assert_s3_error(reply, 403, "SignatureDoesNotMatch")
    completed = alice.call("POST", f"/v1/uploads/{ticket['upload_id']}/complete")
    assert completed.status == 409
    assert completed.json()["error"]["code"] == "upload_missing"
    assert_nothing_recorded(alice)


def test_wrong_content_type_on_put_is_rejected(alice):
    ticket = start_upload(alice, b"12345")
    reply = request("PUT", ticket["url"], body=b"12345",
                    headers={"Content-Type": "text/html"})
    assert_s3_error(reply, 403, "SignatureDoesNotMatch")
    assert_nothing_recorded(alice)


def test_tampered_presigned_url_is_rejected(alice):
    ticket = start_upload(alice, b"12345")
    url = ticket["url"].replace("acme/alice/note.txt", "acme/bob/note.txt")
    reply = request("PUT", url, body=b"12345", headers=ticket["headers"])
    assert_s3_error(reply, 403, "SignatureDoesNotMatch")
    longer = ticket["url"].replace("X-Amz-Expires=60", "X-Amz-Expires=600")
    reply = request("PUT", longer, body=b"12345", headers=ticket["headers"])
    assert_s3_error(reply, 403, "SignatureDoesNotMatch")


def test_expired_presigned_url_is_rejected(server, alice):
    credentials = server.store_credentials()
    url = f"{server.store}/{server.bucket}/acme/alice/note.txt"
    two_hours_ago = utc_now() - datetime.timedelta(hours=2)
    expired = presign("GET", url, credentials["AWS_ACCESS_KEY_ID"],
                      credentials["AWS_SECRET_ACCESS_KEY"], two_hours_ago, 60)
    assert_s3_error(request("GET", expired), 403, "AccessDenied")
    fresh = presign("GET", url, credentials["AWS_ACCESS_KEY_ID"],
                    credentials["AWS_SECRET_ACCESS_KEY"], utc_now(), 60)
    assert_s3_error(request("GET", fresh), 404, "NoSuchKey")


def test_complete_of_unknown_or_foreign_upload_is_404(server, alice):
    ticket = start_upload(alice, b"12345")
    bob = Client(server, sign_in(server, "bob", "acme")["id_token"])
    assert bob.call("POST", f"/v1/uploads/{ticket['upload_id']}/complete").status == 404
    assert alice.call("POST", "/v1/uploads/unknown-id/complete").status == 404


def test_completing_twice_is_a_conflict(alice):
    started, put, completed = alice.upload("once.txt", b"once", "text/plain")
    assert completed.status == 200
    again = alice.call("POST", f"/v1/uploads/{started.json()['upload_id']}/complete")
    assert again.status == 409
    assert again.json()["error"]["code"] == "already_completed"


def test_unknown_route_and_method(server, alice):
    assert request("GET", server.api + "/v1/nothing").status == 404
    wrong_method = alice.call("PUT", "/v1/uploads")
    assert wrong_method.status == 405
    assert wrong_method.header("Allow") == "POST"


def test_repeated_authorization_header_gets_400(server, alice):
    parts = urllib.parse.urlsplit(server.api)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.putrequest("GET", "/v1/objects")
    connection.putheader("Authorization", "Bearer " + alice.token)
    connection.putheader("Authorization", "Bearer another")
    connection.endheaders()
    reply = connection.getresponse()
    body = json.loads(reply.read())
    connection.close()
    assert reply.status == 400
    assert body["error"]["code"] == "invalid_request"


def test_object_name_with_encoded_traversal_is_rejected(alice):
    reply = alice.call("GET", "/v1/objects/" + urllib.parse.quote("../bob/x", safe=""))
    assert reply.status == 400
