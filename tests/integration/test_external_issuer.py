"""Tokens of an external OpenID provider, with a JWKS server started by the
test on 127.0.0.1 that rotates its keys while `satchel serve` runs.

The cache lifetimes are configured down to seconds, so this test waits in
real time for them to pass."""

import base64
import json
import os
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from satchel_harness import Client, Server

# Debian's python3-cryptography signs the test tokens; scripts/install-deps
# installs it, and the test fails without it rather than skipping.
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature  # noqa: E402

AUDIENCE = "satchel-ci"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SigningKey:
    """A P-256 key that signs ES256 tokens under a kid."""

    def __init__(self, kid):
        self.kid = kid
        self.private = ec.generate_private_key(ec.SECP256R1())

    def public_jwk(self):
        numbers = self.private.public_key().public_numbers()
        return {"kty": "EC", "crv": "P-256", "kid": self.kid, "alg": "ES256", "use": "sig",
                "x": b64url(numbers.x.to_bytes(32, "big")),
                "y": b64url(numbers.y.to_bytes(32, "big"))}

    def token(self, issuer, subject="build-bot", tenant="acme"):
        header = b64url(json.dumps({"alg": "ES256", "kid": self.kid}).encode())
        now = int(time.time())
        claims = {"iss": issuer, "aud": AUDIENCE, "sub": subject, "org": tenant,
                  "realm_access": {"roles": ["uploader"]}, "iat": now, "exp": now + 600}
        payload = b64url(json.dumps(claims).encode())
        der = self.private.sign(f"{header}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return f"{header}.{payload}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


class Provider:
    """Discovery and a JWKS whose keys the test replaces, counting JWKS fetches."""

    def __init__(self):
        self.keys = []
        self.jwks_fetches = 0
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/.well-known/openid-configuration":
                    body = {"issuer": provider.issuer, "jwks_uri": provider.issuer + "/jwks"}
                elif self.path == "/jwks":
                    provider.jwks_fetches += 1
                    body = {"keys": [key.public_jwk() for key in provider.keys]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "max-age=2")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider():
    instance = Provider()
    yield instance
    instance.close()


@pytest.fixture
def satchel(provider):
    config = tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False)
    config.write(f"""
[[auth.issuers]]
issuer = "{provider.issuer}"
audiences = ["{AUDIENCE}"]
roles_claim = "realm_access.roles"

[auth.jwks_cache]
min_lifetime_seconds = 1
max_lifetime_seconds = 2
refetch_interval_seconds = 1
""")
    config.close()
    server = Server(extra_args=["--config", config.name])
    try:
        server.start()
    except RuntimeError:
        server.cleanup()
        os.unlink(config.name)
        raise
    yield server
    server.cleanup()
    os.unlink(config.name)


def status_with(server, token):
    return Client(server, token).call("GET", "/v1/objects").status


def test_provider_rotates_keys_mid_run(provider, satchel):
    k1, k2, k3 = SigningKey("k1"), SigningKey("k2"), SigningKey("k3")
    provider.keys = [k1]
    assert status_with(satchel, k1.token(provider.issuer)) == 200
    assert provider.jwks_fetches == 1

    # The provider publishes k2 and signs with it: one refetch, accepted.
    provider.keys = [k1, k2]
    time.sleep(1.1)
    assert status_with(satchel, k2.token(provider.issuer)) == 200
    assert provider.jwks_fetches == 2
    assert status_with(satchel, k1.token(provider.issuer)) == 200

    # A kid that was never published: 401 after at most one refetch.
    before = provider.jwks_fetches
    for _ in range(5):
        reply = Client(satchel, k3.token(provider.issuer)).call("GET", "/v1/objects")
        assert reply.status == 401
        assert "signing key is not known" in reply.header("WWW-Authenticate")
    assert provider.jwks_fetches - before <= 1

    # k1 is removed and stops working once the cache lifetime has passed.
    provider.keys = [k2]
    time.sleep(2.1)
    assert status_with(satchel, k1.token(provider.issuer)) == 401
    assert status_with(satchel, k2.token(provider.issuer)) == 200


def test_external_claims_map_to_principal(provider, satchel):
    key = SigningKey("k1")
    provider.keys = [key]
    client = Client(satchel, key.token(provider.issuer, subject="build-bot", tenant="acme"))
    started, put, completed = client.upload("artifact.txt", b"built", "text/plain")
    assert completed.status == 200, completed
    assert completed.json()["key"] == "acme/build-bot/artifact.txt"
