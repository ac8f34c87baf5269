"""What an operator works with: metrics, request ids and traces in the
logs, readiness, limits, and the configuration's error messages."""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

from satchel_harness import (SATCHEL_BINARY, Client, Server, request, sign_in, utc_now)

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


def log_lines(server):
    lines = []
    for line in server.log().splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            pass
    return lines


def wait_for_log(server, predicate, timeout=5):
    """The access line is written after the response, so it may lag the
    client by a moment."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        matches = [line for line in log_lines(server) if predicate(line)]
        if matches:
            return matches
        time.sleep(0.05)
    return []


def metrics_text(server):
    reply = request("GET", server.api + "/metrics", cafile=server.cafile)
    assert reply.status == 200, reply
    return reply.body.decode()


def sample_value(text, series):
    """The value of one series line, such as 'name{a="b"}', or None."""
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.split(" ")[-1])
    return None


def test_metrics_use_text_format_and_count_the_flow(server):
    # The start-up capability probe also writes to the embedded store, so
    # the store's own series are compared with their values before the flow.
    before = metrics_text(server)
    client = Client(server, sign_in(server, "alice", "acme")["id_token"])
    assert client.upload("report.bin", os.urandom(3000))[2].status == 200
    assert client.download("report.bin").status == 200
    reply = request("GET", server.api + "/metrics")
    assert reply.header("Content-Type").startswith("text/plain; version=0.0.4")
    text = reply.body.decode()
    created = 'satchel_http_requests_total{server="api",route="/v1/uploads",method="POST",' \
              'status="201"}'
    assert sample_value(text, created) == 1, text
    assert sample_value(text, 'satchel_presigned_urls_total{action="put"}') == 1
    assert sample_value(text, 'satchel_presigned_urls_total{action="get"}') == 1
    assert sample_value(text, 'satchel_presigned_upload_bytes_total') == 3000
    assert sample_value(
        text, 'satchel_store_client_requests_total{operation="head_object",outcome="2xx"}') == 1
    assert sample_value(text, 'satchel_tenant_requests_total{tenant="acme"}') >= 3
    assert sample_value(text, 'satchel_tenant_store_bytes_total{tenant="acme",direction="in"}') \
        == 3000
    store_puts = 'satchel_http_requests_total{server="store",route="PutObject",method="PUT",' \
                 'status="200"}'
    assert sample_value(text, store_puts) - (sample_value(before, store_puts) or 0) == 1
    assert 'satchel_http_request_duration_seconds_bucket{server="api",route="/v1/uploads",' \
           'le="+Inf"} 1' in text
    put_durations = 'satchel_http_request_duration_seconds_count{server="store",route="PutObject"}'
    assert sample_value(text, put_durations) - (sample_value(before, put_durations) or 0) == 1
    put_bytes = 'satchel_http_request_body_bytes_total{server="store",route="PutObject"}'
    assert sample_value(text, put_bytes) - (sample_value(before, put_bytes) or 0) == 3000
    assert sample_value(text, 'satchel_store_client_request_duration_seconds_count{'
                              'operation="head_object"}') == 1
    assert sample_value(text, 'satchel_metadata_query_duration_seconds_count{'
                              'operation="commit_upload"}') == 1
    assert sample_value(text, 'satchel_metadata_queries_total{operation="commit_upload",'
                              'outcome="ok"}') == 1
    assert sample_value(text, "process_open_fds") > 0
    assert sample_value(text, "process_resident_memory_bytes") > 0
    assert sample_value(text, "process_start_time_seconds") > 0


def test_promtool_accepts_metrics(server):
    client = Client(server, sign_in(server, "alice", "acme")["id_token"])
    client.upload("a.txt", b"hello", "text/plain")
    request("GET", server.api + "/v1/objects", headers={"Authorization": "Bearer nope"})
    checked = subprocess.run(["promtool", "check", "metrics"], input=metrics_text(server),
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout + checked.stderr == ""


def test_token_rejections_are_counted_by_reason(server):
    expired = server.mint_token("alice", "acme",
                                extra_args=["--expires-at", str(int(utc_now().timestamp()) - 600)])
    assert Client(server, expired).call("GET", "/v1/objects").status == 401
    text = metrics_text(server)
    assert sample_value(text, 'satchel_token_rejections_total{reason="expired"}') == 1, text


def test_tenants_past_the_cap_count_as_other():
    server = Server(env={"SATCHEL_METRICS_MAX_TENANTS": "1"}).start()
    try:
        for tenant in ("acme", "globex", "initech"):
            token = server.mint_token("alice", tenant)
            assert Client(server, token).call("GET", "/v1/objects").status == 200
        text = metrics_text(server)
        assert sample_value(text, 'satchel_tenant_requests_total{tenant="acme"}') == 1, text
        assert sample_value(text, 'satchel_tenant_requests_total{tenant="other"}') == 2, text
        assert 'tenant="globex"' not in text
    finally:
        server.cleanup()


def test_request_id_and_trace_are_echoed_and_logged(server):
    token = sign_in(server, "alice", "acme")["id_token"]
    reply = Client(server, token).call("GET", "/v1/objects",
                                       headers={"X-Request-Id": "ops-test-1",
                                                "traceparent": TRACEPARENT})
    assert reply.status == 200
    assert reply.header("X-Request-Id") == "ops-test-1"
    echoed = reply.header("traceparent")
    assert echoed.startswith(f"00-{TRACE_ID}-")
    assert echoed.endswith("-01")
    assert echoed != TRACEPARENT
    access = wait_for_log(server, lambda line: line.get("msg") == "request"
                          and line.get("request_id") == "ops-test-1")
    assert len(access) == 1, server.log()
    line = access[0]
    assert line["trace_id"] == TRACE_ID
    assert line["method"] == "GET"
    assert line["route"] == "/v1/objects"
    assert line["status"] == 200
    assert line["subject"] == "alice"
    assert line["bytes"] > 0
    assert line["duration_ms"] >= 0


def test_trace_is_forwarded_to_the_store(server):
    client = Client(server, sign_in(server, "alice", "acme")["id_token"])
    started = client.call("POST", "/v1/uploads",
                          {"name": "t.txt", "content_type": "text/plain", "size": 2})
    ticket = started.json()
    assert request("PUT", ticket["url"], body=b"hi", headers=ticket["headers"]).status == 200
    completed = client.call("POST", f"/v1/uploads/{ticket['upload_id']}/complete",
                            headers={"traceparent": TRACEPARENT})
    assert completed.status == 200, completed
    store_lines = wait_for_log(server, lambda line: line.get("server") == "store"
                               and line.get("route") == "HeadObject"
                               and line.get("trace_id") == TRACE_ID)
    assert len(store_lines) == 1, server.log()


def test_generated_request_id_when_client_sends_none(server):
    reply = request("GET", server.api + "/healthz")
    assert len(reply.header("X-Request-Id")) == 32
    assert reply.header("traceparent").startswith("00-")


def test_readyz_reports_ready_dependencies(server):
    reply = request("GET", server.api + "/readyz")
    assert reply.status == 200, reply
    assert reply.json() == {"status": "ready", "checks": {"metadata": "ok", "store": "ok"}}


def test_readyz_names_unreachable_store():
    closed_port = socket.socket()
    closed_port.bind(("127.0.0.1", 0))
    port = closed_port.getsockname()[1]
    server = Server(env={"SATCHEL_STORE_EMBEDDED": "false",
                         "SATCHEL_STORE_ENDPOINT": f"http://127.0.0.1:{port}",
                         "SATCHEL_STORE_ACCESS_KEY_ID": "AKIDEXAMPLE",
                         "SATCHEL_STORE_SECRET_ACCESS_KEY": "a-secret-for-a-closed-port"}).start()
    try:
        reply = request("GET", server.api + "/readyz")
        assert reply.status == 503, reply
        body = reply.json()
        assert body["error"]["code"] == "not_ready"
        assert body["checks"]["metadata"] == "ok"
        assert "unreachable" in body["checks"]["store"]
    finally:
        server.cleanup()
        closed_port.close()


def test_external_store_mode_runs_the_whole_flow(server):
    """A second Satchel with its embedded store off uses the first one's
    store as its external S3 service."""
    credentials = server.store_credentials()
    external = Server(env={"SATCHEL_STORE_EMBEDDED": "false",
                           "SATCHEL_STORE_ENDPOINT": server.store,
                           "SATCHEL_STORE_ACCESS_KEY_ID": credentials["AWS_ACCESS_KEY_ID"],
                           "SATCHEL_STORE_SECRET_ACCESS_KEY":
                               credentials["AWS_SECRET_ACCESS_KEY"]}).start()
    try:
        assert request("GET", external.api + "/readyz").status == 200
        client = Client(external, sign_in(external, "alice", "acme")["id_token"])
        started, put, completed = client.upload("elsewhere.txt", b"external", "text/plain")
        assert started.json()["url"].startswith(server.store + "/satchel/acme/alice/")
        assert put.status == 200, put
        assert completed.status == 200, completed
        assert client.download("elsewhere.txt").body == b"external"
        # The second server opened no store listener of its own.
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", external.store_port), timeout=1).close()
    finally:
        external.cleanup()


def test_body_over_the_limit_gets_413(server):
    token = server.mint_token("alice", "acme")
    reply = request("POST", server.api + "/v1/uploads", body=b"{" + b" " * 70000 + b"}",
                    headers={"Authorization": "Bearer " + token,
                             "Content-Type": "application/json"})
    assert reply.status == 413, reply
    assert reply.header("Content-Type") == "application/json"
    assert reply.json()["error"]["code"] == "body_too_large"
    assert reply.json()["request_id"] == reply.header("X-Request-Id")


def test_huge_header_gets_431(server):
    reply = request("GET", server.api + "/healthz", headers={"X-Padding": "x" * 20000})
    assert reply.status == 431
    assert reply.header("Content-Type") == "application/json"
    assert reply.json()["error"]["code"] == "headers_too_large"


def test_huge_header_at_the_store_gets_s3_error(server):
    reply = request("GET", server.store + "/satchel/any", headers={"X-Padding": "x" * 20000})
    assert reply.status == 431
    assert reply.header("Content-Type") == "application/xml"
    assert b"<Code>RequestHeaderSectionTooLarge</Code>" in reply.body
    assert f"<RequestId>{reply.header('X-Request-Id')}</RequestId>".encode() in reply.body


def test_idle_connection_is_closed():
    server = Server(env={"SATCHEL_SERVER_IDLE_TIMEOUT_SECONDS": "1"}).start()
    try:
        with socket.create_connection(("127.0.0.1", server.api_port), timeout=5) as sock:
            started = time.monotonic()
            assert sock.recv(1) == b""
            assert time.monotonic() - started < 4
    finally:
        server.cleanup()


def test_slow_body_is_cut_off():
    server = Server(env={"SATCHEL_SERVER_READ_TIMEOUT_SECONDS": "1"}).start()
    try:
        token = server.mint_token("alice", "acme")
        with socket.create_connection(("127.0.0.1", server.api_port), timeout=5) as sock:
            sock.sendall(b"POST /v1/uploads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                         token.encode() + b"\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 100\r\n\r\n{\"name\"")
            started = time.monotonic()
            reply = b""
            while chunk := sock.recv(4096):
                reply += chunk
            assert time.monotonic() - started < 4
            # The timeout closes the socket, so a 408 usually cannot be sent.
            assert reply == b"" or reply.startswith(b"HTTP/1.1 408"), reply
    finally:
        server.cleanup()


def open_served_connection(server):
    """Opens a kept-alive connection that the server has answered once. The
    server may still count the connection of an earlier request for a moment
    and close this one, so it tries again."""
    for _ in range(50):
        sock = socket.create_connection(("127.0.0.1", server.api_port), timeout=5)
        try:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            if sock.recv(4096).startswith(b"HTTP/1.1 200"):
                return sock
        except ConnectionError:
            pass
        sock.close()
        time.sleep(0.05)
    raise AssertionError("the server did not keep a connection open")


def test_connections_past_the_limit_are_closed():
    server = Server(env={"SATCHEL_SERVER_MAX_CONNECTIONS": "2"}).start()
    try:
        first = open_served_connection(server)
        second = open_served_connection(server)
        with socket.create_connection(("127.0.0.1", server.api_port), timeout=5) as third:
            # The server closes the socket at once, so the client sees an end
            # of stream or a reset, never a response.
            try:
                third.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                answer = third.recv(100)
            except ConnectionResetError:
                answer = b""
            assert answer == b""
        first.close()
        second.close()
        text = None
        deadline = time.monotonic() + 5
        while text is None and time.monotonic() < deadline:
            try:  # the server notices the two closes a moment later
                text = metrics_text(server)
            except ConnectionError:
                time.sleep(0.05)
        assert sample_value(text, 'satchel_http_rejected_connections_total{server="api"}') >= 1
    finally:
        server.cleanup()


def run_satchel(*args, env=None):
    return subprocess.run([SATCHEL_BINARY, *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=30)


@pytest.fixture
def folder():
    path = tempfile.mkdtemp(prefix="satchel-config-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def write(folder, name, text):
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


@pytest.mark.parametrize("text, expected", [
    ("[server]\nlisen = \"127.0.0.1:1\"\n", "unknown key server.lisen"),
    ("[api]\npresign_ttl_seconds = \"60\"\n", "invalid api.presign_ttl_seconds"),
    ("[store]\nembedded = false\nendpoint = \"https://s3.example.com\"\n"
     "access_key_id = \"AKID\"\n", "store.secret_access_key is missing"),
    ("[server.tls]\ncert_file = \"/nonexistent/cert.pem\"\nkey_file = \"/nonexistent/key.pem\"\n",
     "server.tls.cert_file: cannot read /nonexistent/cert.pem"),
])
def test_bad_configuration_stops_start_with_one_line(folder, text, expected):
    config = write(folder, "satchel.toml", text)
    result = run_satchel("serve", "--config", config, "--data-dir", folder)
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]


def test_bad_environment_value_names_the_variable(folder):
    result = run_satchel("serve", "--data-dir", folder,
                         env={"SATCHEL_SERVER_MAX_CONNECTIONS": "lots"})
    assert result.returncode == 2
    assert "environment variable SATCHEL_SERVER_MAX_CONNECTIONS" in result.stderr


def test_production_rejects_development_provider(folder):
    result = run_satchel("serve", "--production", "--data-dir", folder)
    assert result.returncode == 2
    assert "development OpenID provider" in result.stderr


def test_config_print_redacts_secrets(folder):
    secret = "wvN7yq2PzL5tR9kB3xC8dF1gH4jK6mQ0"
    config = write(folder, "satchel.toml",
                   "[store]\nembedded = false\nendpoint = \"https://s3.example.com\"\n"
                   "access_key_id = \"AKIDEXAMPLE\"\n")
    result = run_satchel("config", "print", "--config", config, "--presign-ttl", "90",
                         env={"SATCHEL_STORE_SECRET_ACCESS_KEY": secret})
    assert result.returncode == 0, result.stderr
    assert secret not in result.stdout
    assert 'secret_access_key = "[redacted]"' in result.stdout
    assert 'access_key_id = "AKIDEXAMPLE"' in result.stdout
    assert "presign_ttl_seconds = 90" in result.stdout


def test_help_lists_every_flag_of_the_docs():
    docs_path = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "configuration.md")
    with open(docs_path, encoding="utf-8") as handle:
        docs = handle.read()
    help_text = run_satchel("serve", "--help").stdout
    keys = run_satchel("config", "keys").stdout
    for row in keys.splitlines()[2:]:
        assert row in docs, row
        cells = [cell.strip() for cell in row.split("|")]
        flag = cells[5].strip("`")
        if flag:
            assert flag in help_text, flag


def test_policy_file_decides_requests(folder):
    policy = write(folder, "read-only.toml", """version = 1
[[statements]]
id = "read-own"
effect = "allow"
actions = ["object:read", "object:list"]
resources = ["${org}/${sub}/*"]
""")
    server = Server(env={"SATCHEL_POLICY_FILE": policy}).start()
    try:
        client = Client(server, server.mint_token("alice", "acme"))
        assert client.call("GET", "/v1/objects").status == 200
        denied = client.call("POST", "/v1/uploads",
                             {"name": "a.txt", "content_type": "text/plain", "size": 1})
        assert denied.status == 403, denied
    finally:
        server.cleanup()


def test_invalid_policy_file_stops_start(folder):
    policy = write(folder, "broken.toml", "version = \"one\"\n")
    result = run_satchel("serve", "--data-dir", folder, env={"SATCHEL_POLICY_FILE": policy})
    assert result.returncode == 1, result
    assert "policy.file" in result.stderr


def test_key_cache_events_are_exported(folder):
    """An external issuer's key fetches show up per issuer."""
    from test_external_issuer import AUDIENCE, Provider, SigningKey
    provider = Provider()
    key = SigningKey("k1")
    provider.keys = [key]
    config = write(folder, "satchel.toml",
                   f'[[auth.issuers]]\nissuer = "{provider.issuer}"\n'
                   f'audiences = ["{AUDIENCE}"]\n')
    server = Server(extra_args=["--config", config]).start()
    try:
        assert Client(server, key.token(provider.issuer)).call("GET", "/v1/objects").status == 200
        text = metrics_text(server)
        fetches = f'satchel_jwks_cache_events_total{{issuer="{provider.issuer}",event="fetch"}}'
        assert sample_value(text, fetches) == 1, text
        hits = f'satchel_jwks_cache_events_total{{issuer="{provider.issuer}",event="hit"}}'
        assert sample_value(text, hits) >= 1, text
    finally:
        server.cleanup()
        provider.close()
