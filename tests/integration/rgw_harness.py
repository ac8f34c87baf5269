"""Ceph RGW as the external store of the integration suite.

With SATCHEL_TEST_STORE=rgw, conftest.py calls start_cluster() once per
pytest session: scripts/ceph-rgw starts Ceph on free loopback ports. Every
Server then runs with its embedded store off and gets a bucket of its own,
created with versioning and a CORS rule for loopback origins as an operator
would set it up, so that no test sees another test's objects.

A missing Ceph install fails the run: the script exits non-zero and
start_cluster raises.
"""

import base64
import datetime
import hashlib
import hmac
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import urllib.parse

from satchel_harness import observe_secret, request

REPOSITORY = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CEPH_RGW_SCRIPT = os.path.join(REPOSITORY, "scripts", "ceph-rgw")
# Browsers reach RGW from the API's page, whose port each test picks.
CORS_RULES = b"""<CORSConfiguration><CORSRule>
<AllowedOrigin>http://127.0.0.1:*</AllowedOrigin>
<AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedMethod>HEAD</AllowedMethod>
<AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader>
<ExposeHeader>x-amz-version-id</ExposeHeader><MaxAgeSeconds>600</MaxAgeSeconds>
</CORSRule></CORSConfiguration>"""


def rgw_mode():
    """True when this run uses Ceph RGW as the store."""
    return os.environ.get("SATCHEL_TEST_STORE", "embedded") == "rgw"


class Cluster:
    """A running single-node Ceph cluster and its RGW user."""

    def __init__(self, folder, settings):
        self.folder = folder
        self.endpoint = settings["endpoint"]
        self.access_key_id = settings["access_key_id"]
        self.secret_access_key = settings["secret_access_key"]
        self.region = settings["region"]
        observe_secret(self.secret_access_key)

    def stop(self):
        subprocess.run([CEPH_RGW_SCRIPT, "stop", self.folder], check=True)

    def send(self, method, path, query="", body=b"", headers=None):
        """Sends one request to RGW signed with the cluster's key pair."""
        return signed_request(self.endpoint, self.access_key_id, self.secret_access_key,
                              self.region, method, path, query, body, headers)

    def credentials(self, bucket):
        """The key pair in the shape Server.store_credentials returns."""
        return {"AWS_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": self.access_key_id,
                "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
                "AWS_DEFAULT_REGION": self.region, "SATCHEL_BUCKET": bucket}

    def new_bucket(self):
        """Creates a bucket with a fresh name and returns the name."""
        bucket = "satchel-" + secrets.token_hex(6)
        self.create_versioned_bucket(bucket)
        return bucket

    def create_versioned_bucket(self, bucket):
        created = self.send("PUT", "/" + bucket)
        if created.status != 200:
            raise RuntimeError(f"RGW did not create bucket {bucket}: {created}")
        versioning = (b'<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                      b"<Status>Enabled</Status></VersioningConfiguration>")
        enabled = self.send("PUT", "/" + bucket, query="versioning=", body=versioning)
        if enabled.status != 200:
            raise RuntimeError(f"RGW did not enable versioning on {bucket}: {enabled}")
        digest = base64.b64encode(hashlib.md5(CORS_RULES).digest()).decode()
        cors = self.send("PUT", "/" + bucket, query="cors=", body=CORS_RULES,
                         headers={"Content-MD5": digest})
        if cors.status != 200:
            raise RuntimeError(f"RGW did not take the CORS rules of {bucket}: {cors}")

    def server_env(self, bucket):
        """The SATCHEL_* variables that point `satchel serve` at this RGW."""
        return {"SATCHEL_STORE_EMBEDDED": "false",
                "SATCHEL_STORE_ENDPOINT": self.endpoint,
                "SATCHEL_STORE_BUCKET": bucket,
                "SATCHEL_STORE_REGION": self.region,
                "SATCHEL_STORE_ACCESS_KEY_ID": self.access_key_id,
                "SATCHEL_STORE_SECRET_ACCESS_KEY": self.secret_access_key}


def signed_request(endpoint, access_key_id, secret_access_key, region, method, path, query="",
                   body=b"", headers=None):
    """Sends one S3 request signed with SigV4 in the Authorization header,
    written from the AWS documentation and independent of Satchel's signer.
    path is already encoded; query is canonical (sorted, encoded)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    scope = f"{now.strftime('%Y%m%d')}/{region}/s3/aws4_request"
    payload_hash = hashlib.sha256(body).hexdigest()
    signed = {name.lower(): value.strip() for name, value in (headers or {}).items()}
    signed["host"] = urllib.parse.urlsplit(endpoint).netloc
    signed["x-amz-date"] = amz_date
    signed["x-amz-content-sha256"] = payload_hash
    names = ";".join(sorted(signed))
    canonical = "\n".join([method, path, query,
                           "".join(f"{name}:{signed[name]}\n" for name in sorted(signed)),
                           names, payload_hash])
    string_to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                                hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret_access_key).encode()
    for part in (now.strftime("%Y%m%d"), region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    observe_secret(signature)
    sent = {name: value for name, value in signed.items() if name != "host"}
    sent["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={access_key_id}/{scope}, "
                             f"SignedHeaders={names}, Signature={signature}")
    target = path + ("?" + query if query else "")
    return request(method, endpoint + target, body=body, headers=sent)


def start_cluster():
    """Starts a cluster in a new temporary folder and returns it."""
    folder = tempfile.mkdtemp(prefix="satchel-ceph-")
    started = subprocess.run([CEPH_RGW_SCRIPT, "start", folder], capture_output=True, text=True)
    if started.returncode != 0:
        # The script removes what it built; the empty folder is left to us.
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"scripts/ceph-rgw start failed with {started.returncode}:\n"
                           + started.stderr)
    with open(os.path.join(folder, "rgw.json"), encoding="utf-8") as handle:
        return Cluster(folder, json.load(handle))
