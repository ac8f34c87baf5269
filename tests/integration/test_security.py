"""Identity, policy and audit against the real `satchel serve`: forged
tokens, policy denials with their explanation, the presign rate limit and the
audit log that admins read."""

import base64
import hashlib
import hmac
import json
import subprocess
import urllib.parse

import pytest

from satchel_harness import SATCHEL_BINARY, Client, Server, request, sign_in


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_of(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def audit_lines(server):
    """The audit events the server wrote as JSON lines on standard output."""
    events = []
    for line in server.log().splitlines():
        if line.startswith("{") and '"decision"' in line:
            events.append(json.loads(line))
    return events


@pytest.fixture
def alice(server):
    return Client(server, sign_in(server, "alice", "acme")["id_token"])


@pytest.fixture
def admin(server):
    return Client(server, sign_in(server, "root", "acme", admin=True)["id_token"])


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_unsigned_token_gets_401(server, alice, alg):
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    payload = alice.token.split(".")[1]
    for signature in ["", "c2lnbmF0dXJl"]:
        reply = Client(server, f"{header}.{payload}.{signature}").call("GET", "/v1/objects")
        assert reply.status == 401, reply
        assert "Unsigned tokens are not accepted" in reply.header("WWW-Authenticate")


def test_public_key_as_hmac_secret_gets_401(server, alice):
    keys = request("GET", server.issuer + "/jwks").json()["keys"]
    jwk_text = json.dumps(keys[0]).encode()
    header = b64url(json.dumps({"alg": "HS256", "kid": keys[0]["kid"]}).encode())
    payload = alice.token.split(".")[1]
    signature = b64url(hmac.new(jwk_text, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    reply = Client(server, f"{header}.{payload}.{signature}").call("GET", "/v1/objects")
    assert reply.status == 401
    assert 'error="invalid_token"' in reply.header("WWW-Authenticate")


def test_oversized_token_gets_401(server):
    reply = Client(server, "a" * 9000 + ".b.c").call("GET", "/v1/objects")
    assert reply.status == 401
    assert "too large" in reply.header("WWW-Authenticate")


def test_denial_explains_the_policy(server, alice):
    reply = alice.call("POST", "/v1/downloads", {"name": "x.txt", "subject": "bob"})
    assert reply.status == 403
    message = reply.json()["error"]["message"]
    assert message.startswith("no statement allows object:read on acme/bob/x.txt"), message


def test_admin_reads_audit_of_own_tenant(server, alice, admin):
    started, put, completed = alice.upload("notes.txt", b"hello", "text/plain")
    assert completed.status == 200, completed
    assert alice.call("DELETE", "/v1/objects/notes.txt").status == 204
    assert alice.call("POST", "/v1/downloads", {"name": "x", "subject": "bob"}).status == 403

    reply = admin.call("GET", "/v1/admin/audit?subject=alice")
    assert reply.status == 200, reply
    events = reply.json()["events"]
    summary = [(e["action"], e["decision"]) for e in events]
    assert summary == [("object:read", "deny"), ("object:delete", "allow"),
                       ("object:write", "allow"), ("object:write", "allow")], summary
    newest = events[0]
    assert newest["key"] == "acme/bob/x"
    assert newest["tenant"] == "acme"
    assert newest["request_id"]
    assert newest["client_address"].startswith("127.0.0.1")
    assert events[3]["reason"].startswith('upload presigned, allowed by statement "own-space-write"')


def test_audit_filters_and_pages(server, alice, admin):
    for index in range(3):
        assert alice.upload(f"f{index}.txt", b"x", "text/plain")[2].status == 200
    seen = []
    query = "action=object:write&limit=2"
    for _ in range(10):
        reply = admin.call("GET", "/v1/admin/audit?" + query)
        assert reply.status == 200, reply
        body = reply.json()
        assert len(body["events"]) <= 2
        seen += [e["reason"] for e in body["events"]]
        if body["next_cursor"] is None:
            break
        query = "action=object:write&limit=2&cursor=" + urllib.parse.quote(body["next_cursor"])
    assert len(seen) == 6
    future = admin.call("GET", "/v1/admin/audit?since=2100-01-01T00:00:00Z")
    assert future.json()["events"] == []
    for query in ("since=yesterday", "until=2262-04-12T00:00:00Z", "since=1600-01-01T00:00:00Z",
                  "subject=%00", "cursor=!!!"):
        bad = admin.call("GET", "/v1/admin/audit?" + query)
        assert bad.status == 400, (query, bad)
        assert bad.json()["error"]["code"] == "invalid_query", (query, bad)


def test_audit_is_for_admins_of_the_same_tenant(server, alice):
    assert alice.upload("a.txt", b"x", "text/plain")[2].status == 200
    assert alice.call("GET", "/v1/admin/audit").status == 403
    outsider = Client(server, sign_in(server, "boss", "globex", admin=True)["id_token"])
    reply = outsider.call("GET", "/v1/admin/audit")
    assert reply.status == 200
    assert all(e["tenant"] == "globex" for e in reply.json()["events"])
    assert not any(e["subject"] == "alice" for e in reply.json()["events"])


def test_sign_in_failure_goes_to_the_audit_sink(server):
    reply = Client(server, "not.a.token").call("GET", "/v1/objects",
                                               headers={"User-Agent": "probe/1.0"})
    assert reply.status == 401
    failures = [e for e in audit_lines(server) if e["action"] == "auth:token"]
    assert failures, server.log()
    assert failures[-1]["decision"] == "deny"
    assert failures[-1]["reason"] == "malformed"
    assert failures[-1]["user_agent"] == "probe/1.0"
    assert failures[-1]["subject"] == ""
    # The token itself never reaches the log.
    assert "not.a.token" not in server.log()


def test_sign_in_failure_audit_names_tenant(server, alice, admin):
    header, payload, signature = alice.token.split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    reply = Client(server, forged).call("GET", "/v1/objects")
    assert reply.status == 401
    listed = admin.call("GET", "/v1/admin/audit?action=auth:token")
    assert listed.status == 200, listed
    events = listed.json()["events"]
    assert events, listed.json()
    assert events[0]["tenant"] == "acme"
    assert events[0]["subject"] == ""
    assert events[0]["decision"] == "deny"
    assert forged not in server.log()
    # Unreadable claims name no tenant.
    Client(server, "not.a.token").call("GET", "/v1/objects")
    lines = [e for e in audit_lines(server) if e["action"] == "auth:token"]
    assert lines[-1]["tenant"] == ""


def test_rejected_token_flood_is_bounded_in_the_audit_log(server, alice, admin):
    header, payload, signature = alice.token.split(".")
    forged = Client(server, f"{header}.{payload}.{signature[:-4]}AAAA")
    for _ in range(100):
        assert forged.call("GET", "/v1/objects").status == 401
    listed = admin.call("GET", "/v1/admin/audit?action=auth:token&limit=200")
    assert listed.status == 200, listed
    # A burst of 20 per client address, plus the tokens the bucket regained
    # while the loop ran.
    assert 20 <= len(listed.json()["events"]) < 60, len(listed.json()["events"])


def test_audit_events_survive_restart(tmp_path):
    data_dir = str(tmp_path)
    first = Server(data_dir=data_dir).start()
    try:
        alice = Client(first, sign_in(first, "alice", "acme")["id_token"])
        assert alice.upload("kept.txt", b"x", "text/plain")[2].status == 200
    finally:
        first.cleanup()
    assert first.returncode == 0, first.log()

    second = Server(data_dir=data_dir).start()
    try:
        admin = Client(second, sign_in(second, "root", "acme", admin=True)["id_token"])
        reply = admin.call("GET", "/v1/admin/audit?subject=alice&action=object:write")
        assert reply.status == 200, reply
        keys = [e["key"] for e in reply.json()["events"]]
        assert keys == ["acme/alice/kept.txt", "acme/alice/kept.txt"], keys
    finally:
        second.cleanup()


def test_presign_rate_limit_returns_429(server, alice):
    statuses = []
    for _ in range(200):
        reply = alice.call("POST", "/v1/uploads",
                           {"name": "r.txt", "content_type": "text/plain", "size": 1})
        statuses.append(reply.status)
        if reply.status == 429:
            break
    assert statuses[-1] == 429, statuses
    assert statuses[0] == 201
    assert int(reply.header("Retry-After")) >= 1
    assert reply.json()["error"]["code"] == "rate_limited"
    # Another user has a bucket of their own.
    bob = Client(server, sign_in(server, "bob", "acme")["id_token"])
    assert bob.call("POST", "/v1/uploads",
                    {"name": "r.txt", "content_type": "text/plain", "size": 1}).status == 201


def test_presign_burst_follows_configuration():
    server = Server(env={"SATCHEL_API_PRESIGN_BURST": "3",
                         "SATCHEL_API_PRESIGN_PER_SECOND": "1"}).start()
    try:
        carol = Client(server, server.mint_token("carol", "acme"))
        statuses = [carol.call("POST", "/v1/uploads", {
            "name": "r.txt", "content_type": "text/plain", "size": 1}).status
            for _ in range(4)]
        assert statuses == [201, 201, 201, 429]
    finally:
        server.cleanup()


def policy_check(*args):
    return subprocess.run([SATCHEL_BINARY, "policy", "check", *args],
                          capture_output=True, text=True)


def test_policy_check_prints_the_deciding_statement():
    allowed = policy_check("--claims", '{"sub":"alice","org":"acme"}', "--action", "object:write",
                           "--key", "acme/alice/a.json", "--content-type", "application/json",
                           "--size", "10")
    assert allowed.returncode == 0, allowed.stderr
    lines = allowed.stdout.splitlines()
    assert lines[0] == "allow"
    assert lines[1].startswith("statement: own-space-write (line ")
    denied = policy_check("--claims", '{"sub":"root","org":"acme","roles":["admin"]}',
                          "--action", "object:read", "--key", "globex/bob/a.json")
    assert denied.returncode == 1
    assert denied.stdout.splitlines()[0] == "deny"
    assert denied.stdout.splitlines()[1].startswith("statement: tenant-boundary (line ")


def test_policy_check_names_the_bad_line(tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text('[[statements]]\neffect = "allow"\nactions = ["object:wirte"]\n'
                      'resources = ["*"]\n')
    result = policy_check("--policy", str(policy), "--claims", "{}", "--action", "object:read",
                          "--key", "x")
    assert result.returncode == 2
    assert f"{policy} line 3: unknown action \"object:wirte\"" in result.stderr


@pytest.mark.parametrize("origin", ["null", "http://evil.example"])
def test_sign_in_form_posted_from_elsewhere_is_rejected(server, origin):
    discovery = request("GET", server.api + "/oidc/.well-known/openid-configuration").json()
    posted = request("POST", discovery["authorization_endpoint"],
                     body=b"user=alice&tenant=acme",
                     headers={"Content-Type": "application/x-www-form-urlencoded",
                              "Origin": origin})
    assert posted.status == 403, posted
    assert posted.json()["error"]["code"] == "cross_origin_post"
