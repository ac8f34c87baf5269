"""Least privilege at the embedded store: the key the API signs with may only
work on objects of its bucket under its key prefix, and a presigned URL for
one key cannot be bent to another. Requests are signed here with SigV4
written from the AWS documentation, independent of Satchel's signer."""

import datetime
import hashlib
import hmac
import json
import os
import secrets
import string
import urllib.parse

import pytest

from satchel_harness import Client, Server, observe_secret, request, sign_in

SUSPEND_VERSIONING = (b'<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                      b"<Status>Suspended</Status></VersioningConfiguration>")


def random_key_pair():
    alphabet = string.ascii_uppercase + string.digits
    key_id = "SATC" + "".join(secrets.choice(alphabet) for _ in range(16))
    return {"access_key_id": key_id, "secret_access_key": secrets.token_urlsafe(30)}


def write_credentials(data_dir, document):
    """Writes <data_dir>/store/credentials.json before the first start, with
    the modes the store requires."""
    folder = os.path.join(data_dir, "store")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    path = os.path.join(folder, "credentials.json")
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(document, handle)


def read_credentials(server):
    with open(os.path.join(server.data_dir, "store", "credentials.json")) as handle:
        document = json.load(handle)
    for name in ("admin", "api"):
        observe_secret(document[name]["secret_access_key"])
    return document


def signed(server, key, method, path, query="", body=b"", headers=None):
    """Sends a request signed with the Authorization header (AWS SigV4)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    scope = f"{now.strftime('%Y%m%d')}/us-east-1/s3/aws4_request"
    payload_hash = hashlib.sha256(body).hexdigest()
    host = urllib.parse.urlsplit(server.store).netloc
    all_headers = {"host": host, "x-amz-date": amz_date, "x-amz-content-sha256": payload_hash}
    for name, value in (headers or {}).items():
        all_headers[name.lower()] = value

    names = ";".join(sorted(all_headers))
    pairs = sorted(tuple(part.split("=", 1)) if "=" in part else (part, "")
                   for part in query.split("&") if part)
    canonical_query = "&".join(f"{urllib.parse.quote(k, safe='-_.~')}="
                               f"{urllib.parse.quote(v, safe='-_.~')}" for k, v in pairs)
    canonical_request = "\n".join([
        method, urllib.parse.quote(path, safe="/-_.~"), canonical_query,
        "".join(f"{name}:{all_headers[name]}\n" for name in sorted(all_headers)), names,
        payload_hash])

    string_to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                                hashlib.sha256(canonical_request.encode()).hexdigest()])
    signing_key = ("AWS4" + key["secret_access_key"]).encode()
    for part in (now.strftime("%Y%m%d"), "us-east-1", "s3", "aws4_request"):
        signing_key = hmac.new(signing_key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(signing_key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    observe_secret(signature)

    all_headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={key['access_key_id']}/{scope}, "
        f"SignedHeaders={names}, Signature={signature}")
    del all_headers["host"]
    url = server.store + urllib.parse.quote(path, safe="/-_.~")
    if canonical_query:
        url += "?" + canonical_query
    return request(method, url, body=body, headers=all_headers)


def error_code(reply):
    text = reply.body.decode(errors="replace")
    start = text.find("<Code>")
    return text[start + 6:text.find("</Code>")] if start >= 0 else ""


@pytest.fixture
def limited_server():
    """A server whose api key may only touch keys under acme/ in the
    satchel bucket, set in credentials.json before the first start."""
    instance = Server()
    write_credentials(instance.data_dir, {
        "admin": {**random_key_pair(), "policy": {"access": "full"}},
        "api": {**random_key_pair(),
                "policy": {"access": "objects", "bucket": "satchel", "key_prefix": "acme/"}}})
    instance.start()
    yield instance
    instance.cleanup()


def test_new_credentials_file_limits_api_key(server):
    document = read_credentials(server)
    assert document["admin"]["policy"] == {"access": "full"}
    assert document["api"]["policy"] == {"access": "objects", "bucket": "satchel",
                                         "key_prefix": ""}


def test_api_still_uploads_and_downloads_under_its_prefix(limited_server):
    alice = Client(limited_server, sign_in(limited_server, "alice", "acme")["id_token"])
    started, put, completed = alice.upload("notes.txt", b"hello")
    assert started.status == 201, started
    assert put.status == 200, put
    assert completed.status == 200, completed
    downloaded = alice.download("notes.txt")
    assert downloaded.status == 200, downloaded
    assert downloaded.body == b"hello"


def test_api_key_denied_on_another_prefix(limited_server):
    keys = read_credentials(limited_server)
    assert signed(limited_server, keys["api"], "PUT", "/satchel/acme/u/x", body=b"ok").status == 200
    assert signed(limited_server, keys["admin"], "PUT", "/satchel/globex/u/x",
                  body=b"theirs").status == 200
    for method, body in (("GET", b""), ("PUT", b"mine"), ("DELETE", b"")):
        reply = signed(limited_server, keys["api"], method, "/satchel/globex/u/x", body=body)
        assert reply.status == 403, (method, reply)
        assert error_code(reply) == "AccessDenied"
    listing = signed(limited_server, keys["api"], "GET", "/satchel", "list-type=2&prefix=globex/")
    assert listing.status == 403, listing
    untouched = signed(limited_server, keys["admin"], "GET", "/satchel/globex/u/x")
    assert untouched.body == b"theirs"


def test_api_key_denied_on_another_bucket(limited_server):
    keys = read_credentials(limited_server)
    assert signed(limited_server, keys["admin"], "PUT", "/second").status == 200
    reply = signed(limited_server, keys["api"], "PUT", "/second/acme/u/x", body=b"data")
    assert reply.status == 403, reply
    assert error_code(reply) == "AccessDenied"
    listing = signed(limited_server, keys["api"], "GET", "/second", "list-type=2&prefix=acme/")
    assert listing.status == 403, listing


def test_api_key_cannot_suspend_versioning(server):
    keys = read_credentials(server)
    reply = signed(server, keys["api"], "PUT", "/satchel", "versioning", body=SUSPEND_VERSIONING)
    assert reply.status == 403, reply
    assert error_code(reply) == "AccessDenied"
    state = signed(server, keys["admin"], "GET", "/satchel", "versioning")
    assert b"<Status>Enabled</Status>" in state.body
    for method, path, query in (("PUT", "/fresh", ""), ("DELETE", "/satchel", ""),
                                ("DELETE", "/satchel", "cors"), ("GET", "/", "")):
        denied = signed(server, keys["api"], method, path, query)
        assert denied.status == 403, (method, path, query, denied)


def test_presigned_url_cannot_be_bent_to_another_key(limited_server):
    alice = Client(limited_server, sign_in(limited_server, "alice", "acme")["id_token"])
    for name in ("a.txt", "b.txt"):
        assert alice.upload(name, name.encode())[2].status == 200
    presigned = alice.call("POST", "/v1/downloads", {"name": "a.txt"})
    assert presigned.status == 200, presigned
    url = presigned.json()["url"]
    assert request("GET", url).body == b"a.txt"
    parts = urllib.parse.urlsplit(url)
    assert parts.path.endswith("/a.txt")
    bent = urllib.parse.urlunsplit(parts._replace(path=parts.path[:-len("a.txt")] + "b.txt"))
    reply = request("GET", bent)
    assert reply.status == 403, reply
    assert error_code(reply) == "SignatureDoesNotMatch"


def test_credentials_file_without_policies_keeps_api_key_limited():
    instance = Server()
    try:
        write_credentials(instance.data_dir, {"admin": random_key_pair(),
                                              "api": random_key_pair()})
        instance.start()
        keys = read_credentials(instance)
        assert signed(instance, keys["api"], "PUT", "/satchel/acme/u/x", body=b"ok").status == 200
        reply = signed(instance, keys["api"], "PUT", "/satchel", "versioning",
                       body=SUSPEND_VERSIONING)
        assert reply.status == 403, reply
        assert signed(instance, keys["admin"], "PUT", "/second").status == 200
    finally:
        instance.cleanup()
