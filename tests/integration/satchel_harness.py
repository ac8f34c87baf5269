"""Starts a real `satchel serve` for integration tests and speaks to it.

Everything runs on 127.0.0.1 with ports picked free by the kernel and a
temporary data directory, and the server is stopped when the test ends.
"""

import atexit
import base64
import datetime
import hashlib
import hmac
import http.client
import json
import os
import secrets
import shutil
import re
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.parse

SATCHEL_BINARY = os.environ.get("SATCHEL_BINARY", "build/release/src/cli/satchel")
STARTUP_TIMEOUT_SECONDS = 20

# Every token, signature and secret key a test handled, and a copy of every
# server log, so that test_zz_log_scan.py can check that none of them was
# ever logged.
OBSERVED_SECRETS = set()
LOG_ARCHIVE = tempfile.mkdtemp(prefix="satchel-logs-")
atexit.register(shutil.rmtree, LOG_ARCHIVE, True)
SIGNATURE_PATTERN = re.compile(r"X-Amz-Signature=([0-9a-f]{64})")

# An external S3 store (rgw_harness.Cluster) that every Server uses in place
# of its embedded store, unless the test sets SATCHEL_STORE_EMBEDDED itself.
# conftest.py sets it when the suite runs against Ceph RGW.
EXTERNAL_STORE = None


def observe_secret(value):
    if value:
        OBSERVED_SECRETS.add(value)


def observe_url(url):
    """Records the signature of a presigned URL."""
    for signature in SIGNATURE_PATTERN.findall(url or ""):
        observe_secret(signature)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Reply:
    """An HTTP response with its body read."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name):
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"Reply({self.status}, {self.body[:300]!r})"


def request(method, url, body=None, headers=None, cafile=None):
    """Sends one request without following redirects. https URLs are
    verified against cafile."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        context = ssl.create_default_context(cafile=cafile)
        connection = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=30,
                                                 context=context)
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    if isinstance(body, str):
        body = body.encode()
    connection.request(method, target, body=body, headers=headers or {})
    response = connection.getresponse()
    reply = Reply(response.status, response.getheaders(), response.read())
    connection.close()
    return reply


class Server:
    """One `satchel serve` process with its own data directory."""

    def __init__(self, data_dir=None, extra_args=(), env=None, tls=False, cafile=None):
        """env adds SATCHEL_* variables; tls=True serves both listeners over
        https with a certificate that cafile verifies."""
        self.owns_data_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="satchel-test-")
        self.api_port = free_port()
        self.store_port = free_port()
        self.extra_args = list(extra_args)
        self.env = dict(env or {})
        self.scheme = "https" if tls else "http"
        self.cafile = cafile
        self.process = None
        self.returncode = None
        self.log_path = os.path.join(self.data_dir, "server.log")
        self.external_store = None
        self.bucket = "satchel"
        if EXTERNAL_STORE is not None and "SATCHEL_STORE_EMBEDDED" not in self.env:
            self.external_store = EXTERNAL_STORE
            self.bucket = EXTERNAL_STORE.new_bucket()
            self.env = {**EXTERNAL_STORE.server_env(self.bucket), **self.env}

    @property
    def api(self):
        return f"{self.scheme}://127.0.0.1:{self.api_port}"

    @property
    def store(self):
        if self.external_store is not None:
            return self.external_store.endpoint
        return f"{self.scheme}://127.0.0.1:{self.store_port}"

    @property
    def issuer(self):
        return f"{self.api}/oidc"

    def start(self):
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [SATCHEL_BINARY, "serve",
             "--listen", f"127.0.0.1:{self.api_port}",
             "--store-listen", f"127.0.0.1:{self.store_port}",
             "--data-dir", self.data_dir, *self.extra_args],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **self.env})
        log.close()
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"satchel serve exited with {self.process.returncode}:\n"
                                   + self.log())
            try:
                if request("GET", self.api + "/healthz", cafile=self.cafile).status == 200:
                    return self
            except (OSError, ssl.SSLError):
                pass
            time.sleep(0.05)
        raise RuntimeError("satchel serve did not answer /healthz in time:\n" + self.log())

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process:
            self.returncode = self.process.returncode
        self.process = None

    def cleanup(self):
        self.stop()
        self.archive_log()
        if self.owns_data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def archive_log(self):
        """Copies the log for the log scan at the end of the run."""
        if os.path.exists(self.log_path):
            target = tempfile.mkstemp(prefix="server-", suffix=".log", dir=LOG_ARCHIVE)[1]
            shutil.copyfile(self.log_path, target)

    def log(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as handle:
                return handle.read()
        except OSError:
            return ""

    def mint_token(self, user, org, roles=(), extra_args=()):
        """Returns a token from `satchel token`, signed by the dev provider's key."""
        command = [SATCHEL_BINARY, "token", "--user", user, "--org", org,
                   "--data-dir", self.data_dir,
                   "--listen", f"127.0.0.1:{self.api_port}", *extra_args]
        if roles:
            command += ["--roles", ",".join(roles)]
        output = subprocess.run(command, check=True, capture_output=True, text=True)
        token = output.stdout.strip()
        observe_secret(token)
        return token

    def store_credentials(self):
        """Returns the admin key pair of the embedded store, or the key pair
        of the external store."""
        if self.external_store is not None:
            return self.external_store.credentials(self.bucket)
        output = subprocess.run(
            [SATCHEL_BINARY, "store", "credentials", "--data-dir", self.data_dir,
             "--store-listen", f"127.0.0.1:{self.store_port}"],
            check=True, capture_output=True, text=True).stdout
        values = {}
        for line in output.splitlines():
            if line.startswith("export ") and "=" in line:
                name, value = line[len("export "):].split("=", 1)
                values[name] = value.strip("'\"")
        observe_secret(values.get("AWS_SECRET_ACCESS_KEY"))
        return values


def pkce_pair():
    verifier = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def sign_in(server, user, org, admin=False):
    """Runs the authorization-code flow with PKCE the way the web page does
    and returns the token response."""
    discovery = request("GET", server.issuer + "/.well-known/openid-configuration").json()
    redirect_uri = server.api + "/"
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(16)
    params = {
        "response_type": "code", "client_id": "satchel-web", "redirect_uri": redirect_uri,
        "scope": "openid", "state": state, "code_challenge": challenge,
        "code_challenge_method": "S256", "nonce": secrets.token_urlsafe(8),
    }
    page = request("GET", discovery["authorization_endpoint"] + "?" +
                   urllib.parse.urlencode(params))
    assert page.status == 200, page
    assert b"<form" in page.body
    form = dict(params, user=user, tenant=org)
    if admin:
        form["admin"] = "on"
    # A browser posts the form with the page's origin, because the page's
    # Referrer-Policy is same-origin.
    assert page.header("Referrer-Policy") == "same-origin"
    submitted = request("POST", discovery["authorization_endpoint"],
                        body=urllib.parse.urlencode(form),
                        headers={"Content-Type": "application/x-www-form-urlencoded",
                                 "Origin": origin_of(discovery["authorization_endpoint"])})
    assert submitted.status in (302, 303), submitted
    location = urllib.parse.urlsplit(submitted.header("Location"))
    query = dict(urllib.parse.parse_qsl(location.query))
    assert query["state"] == state
    exchanged = request("POST", discovery["token_endpoint"], body=urllib.parse.urlencode({
        "grant_type": "authorization_code", "code": query["code"],
        "redirect_uri": redirect_uri, "client_id": "satchel-web", "code_verifier": verifier,
    }), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert exchanged.status == 200, exchanged
    tokens = exchanged.json()
    for name in ("id_token", "access_token", "refresh_token"):
        observe_secret(tokens.get(name))
    observe_secret(query["code"])
    return tokens


def origin_of(url):
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class Client:
    """The API as a signed-in user sees it."""

    def __init__(self, server, token):
        self.server = server
        self.token = token

    def call(self, method, path, body=None, headers=None):
        all_headers = {
  "Authorization" : "Bearer " + self.token}
        if body is not None:
            all_headers["Content-Type"] = "application/json"
            body = json.dumps(body)
        all_headers.update(headers or {})
        reply = request(method, self.server.api + path, body=body, headers=all_headers,
                        cafile=self.server.cafile)
        observe_url(reply.header("Location"))
        if reply.header("Content-Type") == "application/json":
            observe_url(reply.body.decode(errors="replace"))
        return reply

    def upload(self, name, data, content_type="application/octet-stream", **extra):
        """Presigns, PUTs the bytes to the store and completes. Returns the
        three replies."""
        started = self.call("POST", "/v1/uploads",
                            {"name": name, "content_type": content_type, "size": len(data),
                             **extra})
        if started.status != 201:
            return started, None, None
        ticket = started.json()
        put = request("PUT", ticket["url"], body=data, headers=ticket["headers"],
                      cafile=self.server.cafile)
        completed = self.call("POST", f"/v1/uploads/{ticket['upload_id']}/complete")
        return started, put, completed

    def download(self, name):
        presigned = self.call("POST", "/v1/downloads", {"name": name})
        if presigned.status != 200:
            return presigned
        return request("GET", presigned.json()["url"], cafile=self.server.cafile)


def presign(method, url, access_key, secret_key, when, expires, region="us-east-1",
            headers=None, query=None):
    """SigV4 query presigning written from the AWS documentation, independent
    of Satchel's own signer, so tests can make URLs Satchel would never issue
    (already expired, far future). query adds parameters such as versionId."""
    parts = urllib.parse.urlsplit(url)
    amz_date = when.strftime("%Y%m%dT%H%M%SZ")
    scope = f"{when.strftime('%Y%m%d')}/{region}/s3/aws4_request"
    signed = {"host": parts.netloc}
    for name, value in (headers or {}).items():
        signed[name.lower()] = value.strip()
    signed_names = ";".join(sorted(signed))
    query = {
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Credential": f"{access_key}/{scope}",
        "X-Amz-Date": amz_date,
        "X-Amz-Expires": str(expires),
        "X-Amz-SignedHeaders": signed_names,
        **(query or {}),
    }
    canonical_query = "&".join(
        f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(v, safe='-_.~')}"
        for k, v in sorted(query.items()))
    canonical_headers = "".join(f"{name}:{signed[name]}\n" for name in sorted(signed))
    canonical_request = "\n".join([method, parts.path, canonical_query, canonical_headers,
                                   signed_names, "UNSIGNED-PAYLOAD"])
    string_to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                                hashlib.sha256(canonical_request.encode()).hexdigest()])
    key = ("AWS4" + secret_key).encode()
    for part in (when.strftime("%Y%m%d"), region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    observe_secret(signature)
    return f"{parts.scheme}://{parts.netloc}{parts.path}?{canonical_query}" \
           f"&X-Amz-Signature={signature}"


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
