"""Both listeners over TLS, with a certificate authority and a server
certificate made by the test with the openssl command."""

import os
import shutil
import subprocess
import tempfile

import pytest

from satchel_harness import Client, Server, request



def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def certificates():
    """A CA, and a certificate for 127.0.0.1 and localhost that it signed."""
    folder = tempfile.mkdtemp(prefix="satchel-tls-")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Satchel test CA",
            cwd=folder)
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1", cwd=folder)
    with open(os.path.join(folder, "san.cnf"), "w", encoding="utf-8") as handle:
        handle.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.cnf",
            cwd=folder)
    yield {name: os.path.join(folder, name) for name in ("ca.pem", "server.pem", "server.key")}
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def tls_server(certificates):
    env = {"SATCHEL_SERVER_TLS_CERT_FILE": certificates["server.pem"],
           "SATCHEL_SERVER_TLS_KEY_FILE": certificates["server.key"],
           "SATCHEL_STORE_TLS_CERT_FILE": certificates["server.pem"],
           "SATCHEL_STORE_TLS_KEY_FILE": certificates["server.key"],
           "SATCHEL_STORE_CA_FILE": certificates["ca.pem"]}
    server = Server(env=env, tls=True, cafile=certificates["ca.pem"]).start()
    yield server
    server.cleanup()


def curl(*args):
    return subprocess.run(["curl", "--silent", "--show-error", *args], capture_output=True,
                          text=True, timeout=30)


def test_curl_verifies_the_api_certificate(tls_server, certificates):
    result = curl("--cacert", certificates["ca.pem"], tls_server.api + "/healthz")
    assert result.returncode == 0, result.stderr
    assert '"status":"ok"' in result.stdout


def test_curl_without_the_ca_is_rejected(tls_server):
    result = curl(tls_server.api + "/healthz")
    assert result.returncode != 0


def test_tls_below_1_2_is_rejected(tls_server, certificates):
    accepted = curl("--cacert", certificates["ca.pem"], "--tlsv1.2", "--tls-max", "1.2",
                    tls_server.api + "/healthz")
    assert accepted.returncode == 0, accepted.stderr
    rejected = curl("--cacert", certificates["ca.pem"], "--tlsv1.1", "--tls-max", "1.1",
                    tls_server.api + "/healthz")
    assert rejected.returncode != 0


def test_plain_http_to_the_tls_port_gets_no_answer(tls_server):
    with pytest.raises(Exception):
        request("GET", f"http://127.0.0.1:{tls_server.api_port}/healthz")


def test_upload_flow_over_tls_on_both_listeners(tls_server, certificates):
    issuer = tls_server.api + "/oidc"
    token = tls_server.mint_token("alice", "acme", extra_args=["--issuer", issuer])
    client = Client(tls_server, token)
    started, put, completed = client.upload("secure.bin", os.urandom(5000))
    assert started.status == 201, started
    assert started.json()["url"].startswith(tls_server.store + "/")
    assert put.status == 200, put
    # Completing makes the API call the store over TLS, verified with
    # store.ca_file.
    assert completed.status == 200, completed
    assert request("GET", tls_server.api + "/readyz", cafile=certificates["ca.pem"]).status == 200
    stored = curl("--cacert", certificates["ca.pem"], "--output", "/dev/null", "--write-out",
                  "%{http_code}", client.call("POST", "/v1/downloads",
                                              {"name": "secure.bin"}).json()["url"])
    assert stored.stdout == "200", stored.stderr
