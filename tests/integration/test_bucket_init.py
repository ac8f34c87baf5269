"""`satchel bucket init` against the embedded store and Ceph RGW 16.

Each store gets a fresh bucket: the first run creates it and applies every
setting the store implements, the second run changes nothing, and Debian's
AWS CLI reads the resulting state back. A setting the store does not
implement must be reported as skipped with the store's error code, and the
test then proves with a signed request of its own that the store really
returns 501 for it.
"""

import json
import os
import secrets
import subprocess

import pytest

import satchel_harness
from rgw_harness import signed_request, start_cluster
from satchel_harness import SATCHEL_BINARY, Server, free_port, observe_secret

AWS = "/usr/bin/aws"


class InitRun:
    """The outcome of one `satchel bucket init` run."""

    def __init__(self, completed):
        self.returncode = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.lines = {}
        for line in completed.stdout.splitlines():
            setting, _, outcome = line.partition(": ")
            self.lines[setting] = outcome

    def __repr__(self):
        return f"InitRun({self.returncode}, {self.stdout!r}, {self.stderr!r})"


class Target:
    """A store endpoint and the key pair bucket init and the AWS CLI use."""

    def __init__(self, endpoint, access_key_id, secret_access_key, region, server, home):
        self.endpoint = endpoint
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self.region = region
        self.server = server
        self.home = home
        observe_secret(secret_access_key)

    def clean_env(self, extra=None):
        """The environment of a child process: no AWS_* or SATCHEL_* variable
        of the machine or the suite leaks in."""
        env = {name: value for name, value in os.environ.items()
               if not name.startswith(("AWS_", "SATCHEL_"))}
        config = os.path.join(self.home, "config")
        with open(config, "w", encoding="utf-8") as handle:
            handle.write(f"[default]\nregion = {self.region}\ns3 =\n  addressing_style = path\n")
        env.update({"HOME": self.home, "AWS_CONFIG_FILE": config,
                    "AWS_SHARED_CREDENTIALS_FILE": os.path.join(self.home, "credentials"),
                    "AWS_ACCESS_KEY_ID": self.access_key_id,
                    "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
                    "AWS_DEFAULT_REGION": self.region})
        env.update(extra or {})
        return env

    def init(self, bucket, *args, env=None, endpoint=None):
        """Runs bucket init for bucket with the API origin of self.server."""
        command = [SATCHEL_BINARY, "bucket", "init",
                   "--endpoint", endpoint or self.endpoint, "--bucket", bucket,
                   "--region", self.region, "--data-dir", self.server.data_dir,
                   "--listen", f"127.0.0.1:{self.server.api_port}", *args]
        completed = subprocess.run(command, capture_output=True, text=True, timeout=120,
                                   env=self.clean_env(env))
        return InitRun(completed)

    def aws(self, *args, check=True):
        """Runs `aws s3api ...` and returns the parsed JSON output, or the
        completed process when check is False."""
        completed = subprocess.run(
            [AWS, "--endpoint-url", self.endpoint, "--output", "json", "s3api", *args],
            capture_output=True, text=True, timeout=60, env=self.clean_env())
        if not check:
            return completed
        assert completed.returncode == 0, completed.stderr
        return json.loads(completed.stdout) if completed.stdout.strip() else {}

    def get(self, bucket, subresource):
        """A signed GET of the subresource, sent with the suite's own signer
        rather than Satchel's."""
        return signed_request(self.endpoint, self.access_key_id, self.secret_access_key,
                              self.region, "GET", "/" + bucket, query=subresource + "=")


def new_bucket():
    return "init-" + secrets.token_hex(5)


def api_origins(server):
    return {f"http://127.0.0.1:{server.api_port}", f"http://localhost:{server.api_port}"}


# The operation each setting reads first, as the skip line names it.
READ_OPERATIONS = {
    "object lock": ("object-lock", "GetObjectLockConfiguration"),
    "lifecycle": ("lifecycle", "GetBucketLifecycleConfiguration"),
    "encryption": ("encryption", "GetBucketEncryption"),
}


def implemented(target, bucket, setting):
    """Whether the store implements the setting's read, asked directly. A
    store may return 501, or ignore the subresource and list the bucket
    (Ceph RGW 16 does so for ?encryption)."""
    subresource, _ = READ_OPERATIONS[setting]
    reply = target.get(bucket, subresource)
    return reply.status != 501 and b"<ListBucketResult" not in reply.body


def assert_skipped(run, setting):
    subresource, operation = READ_OPERATIONS[setting]
    line = run.lines[setting]
    assert line.startswith("skipped: "), run
    assert (line.endswith(f"does not implement {operation} (NotImplemented)")
            or line.endswith(f"does not implement {operation} (it ignored ?{subresource} and "
                             "returned the object listing)")), run


def check_lifecycle(target, bucket, abort_days, noncurrent_days):
    rules = target.aws("get-bucket-lifecycle-configuration", "--bucket", bucket)["Rules"]
    by_id = {rule["ID"]: rule for rule in rules}
    abort = by_id["satchel-abort-incomplete-uploads"]
    assert abort["Status"] == "Enabled"
    assert abort["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == abort_days
    noncurrent = by_id["satchel-noncurrent-versions"]
    assert noncurrent["NoncurrentVersionExpiration"]["NoncurrentDays"] == noncurrent_days


def check_cors(target, bucket, origins):
    rules = target.aws("get-bucket-cors", "--bucket", bucket)["CORSRules"]
    assert len(rules) == 1, rules
    rule = rules[0]
    assert set(rule["AllowedOrigins"]) == origins
    assert set(rule["AllowedMethods"]) == {"GET", "PUT", "HEAD"}
    assert rule["AllowedHeaders"] == ["*"]
    assert {name.lower() for name in rule["ExposeHeaders"]} == {"etag", "x-amz-version-id"}
    assert rule["MaxAgeSeconds"] == 600


# Settings from Satchel's configuration that every run below uses: uploads
# older than 36 hours are aborted (rounded up to 2 days), and noncurrent
# versions expire after 30 days.
SETTINGS_ENV = {"SATCHEL_STORE_MAX_UPLOAD_AGE_SECONDS": str(36 * 3600),
                "SATCHEL_LIFECYCLE_NONCURRENT_VERSION_DAYS": "30"}


def run_twice_and_check(target, bucket, object_lock=False):
    """Runs bucket init twice on a new bucket and checks the state. Returns
    the settings the store skipped, with their lines."""
    args = ("--object-lock",) if object_lock else ()
    env = dict(SETTINGS_ENV)
    if object_lock:
        env.update({"SATCHEL_STORE_DEFAULT_RETENTION_MODE": "GOVERNANCE",
                    "SATCHEL_STORE_DEFAULT_RETENTION_DAYS": "2"})
    first = target.init(bucket, *args, env=env)
    assert first.returncode == 0, first
    assert first.lines["bucket"] == ("created with Object Lock" if object_lock else "created")
    assert first.lines["cors"] == "created", first
    versioning = target.aws("get-bucket-versioning", "--bucket", bucket)
    assert versioning["Status"] == "Enabled"
    check_cors(target, bucket, api_origins(target.server))

    skipped = {}
    optional = ["lifecycle", "encryption"] + (["object lock"] if object_lock else [])
    for setting in optional:
        if not implemented(target, bucket, setting):
            assert_skipped(first, setting)
            skipped[setting] = first.lines[setting]
            continue
        # A store may report AES256 without a stored configuration, and a
        # bucket created with Object Lock has it on from the start.
        assert first.lines[setting] in ("created", "unchanged", "changed (was enabled without "
                                        "default retention)"), first
        if setting == "lifecycle":
            assert first.lines[setting] == "created", first
            check_lifecycle(target, bucket, abort_days=2, noncurrent_days=30)
        elif setting == "encryption":
            encryption = target.aws("get-bucket-encryption", "--bucket", bucket)
            rule = encryption["ServerSideEncryptionConfiguration"]["Rules"][0]
            assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
        else:
            lock = target.aws("get-object-lock-configuration", "--bucket", bucket)
            configuration = lock["ObjectLockConfiguration"]
            assert configuration["ObjectLockEnabled"] == "Enabled"
            retention = configuration["Rule"]["DefaultRetention"]
            assert retention == {"Mode": "GOVERNANCE", "Days": 2}
    if not object_lock:
        assert first.lines["versioning"] == "created", first
    assert "object lock" in first.lines if object_lock else "object lock" not in first.lines

    second = target.init(bucket, *args, env=env)
    assert second.returncode == 0, second
    for setting, outcome in second.lines.items():
        expected = skipped.get(setting, "unchanged")
        assert outcome == expected, f"{setting}: {second}"
    assert set(second.lines) == set(first.lines)
    return skipped


@pytest.fixture
def embedded(tmp_path):
    server = Server(env={"SATCHEL_STORE_EMBEDDED": "true"}).start()
    credentials = server.store_credentials()
    yield Target(server.store, credentials["AWS_ACCESS_KEY_ID"],
                 credentials["AWS_SECRET_ACCESS_KEY"], "us-east-1", server, str(tmp_path))
    server.cleanup()


def test_embedded_first_run_applies_second_changes_nothing(embedded):
    run_twice_and_check(embedded, new_bucket())


def test_embedded_object_lock_bucket(embedded):
    run_twice_and_check(embedded, new_bucket(), object_lock=True)


def test_embedded_drift_is_changed_back(embedded):
    bucket = new_bucket()
    assert embedded.init(bucket, env=SETTINGS_ENV).returncode == 0
    embedded.aws("put-bucket-versioning", "--bucket", bucket,
                 "--versioning-configuration", "Status=Suspended")
    other_rule = {"CORSRules": [{"ID": "reports", "AllowedOrigins": ["https://reports.example"],
                                 "AllowedMethods": ["GET"]}]}
    embedded.aws("put-bucket-cors", "--bucket", bucket, "--cors-configuration",
                 json.dumps(other_rule))

    run = embedded.init(bucket, env=SETTINGS_ENV)
    assert run.returncode == 0, run
    assert run.lines["versioning"] == "changed (was Suspended)"
    assert run.lines["cors"] == "changed (was GET from https://reports.example)"
    assert embedded.aws("get-bucket-versioning", "--bucket", bucket)["Status"] == "Enabled"
    rules = embedded.aws("get-bucket-cors", "--bucket", bucket)["CORSRules"]
    origins = [set(rule["AllowedOrigins"]) for rule in rules]
    assert origins == [{"https://reports.example"}, api_origins(embedded.server)]

    again = embedded.init(bucket, env=SETTINGS_ENV)
    assert again.lines["versioning"] == "unchanged"
    assert again.lines["cors"] == "unchanged"


def test_embedded_new_web_origin_changes_cors(embedded):
    bucket = new_bucket()
    assert embedded.init(bucket).returncode == 0
    run = embedded.init(bucket, env={"SATCHEL_API_WEB_ORIGINS": "https://app.example"})
    assert run.returncode == 0, run
    assert run.lines["cors"].startswith("changed (was GET PUT HEAD from http://127.0.0.1:"), run
    rules = embedded.aws("get-bucket-cors", "--bucket", bucket)["CORSRules"]
    assert len(rules) == 1
    assert set(rules[0]["AllowedOrigins"]) == api_origins(embedded.server) | {
        "https://app.example"}


def test_dry_run_writes_nothing(embedded):
    bucket = new_bucket()
    run = embedded.init(bucket, "--dry-run")
    assert run.returncode == 0, run
    assert run.lines == {"bucket": "would be created", "versioning": "would be created",
                         "lifecycle": "would be created", "encryption": "would be created",
                         "cors": "would be created"}
    missing = embedded.aws("head-bucket", "--bucket", bucket, check=False)
    assert missing.returncode != 0
    assert "404" in missing.stderr

    assert embedded.init(bucket).returncode == 0
    embedded.aws("put-bucket-versioning", "--bucket", bucket,
                 "--versioning-configuration", "Status=Suspended")
    planned = embedded.init(bucket, "--dry-run")
    assert planned.lines["versioning"] == "would be changed (was Suspended)"
    assert embedded.aws("get-bucket-versioning", "--bucket", bucket)["Status"] == "Suspended"


def test_rejected_secret_fails(embedded):
    run = embedded.init(new_bucket(), env={"AWS_SECRET_ACCESS_KEY": "not-the-secret-key-at-all"})
    assert run.returncode == 1, run
    assert run.lines["bucket"] == ("failed: the store rejected the credentials "
                                   "(SignatureDoesNotMatch): check the access key id, the secret "
                                   "key and --region")
    assert list(run.lines) == ["bucket"]


def test_bucket_the_key_may_not_use_fails(embedded):
    # The API's own key may touch objects in its bucket only, so a bucket of
    # the admin key is someone else's to it.
    bucket = new_bucket()
    assert embedded.init(bucket).returncode == 0
    with open(os.path.join(embedded.server.data_dir, "store", "credentials.json"),
              encoding="utf-8") as handle:
        api_key = json.load(handle)["api"]
    observe_secret(api_key["secret_access_key"])
    run = embedded.init(bucket, env={"AWS_ACCESS_KEY_ID": api_key["access_key_id"],
                                     "AWS_SECRET_ACCESS_KEY": api_key["secret_access_key"]})
    assert run.returncode == 1, run
    assert run.lines["bucket"].startswith(f"failed: access to bucket {bucket} was denied"), run


def test_unreachable_endpoint_fails(embedded):
    run = embedded.init(new_bucket(), endpoint=f"http://127.0.0.1:{free_port()}")
    assert run.returncode == 1, run
    assert run.lines["bucket"].startswith("failed: HeadBucket: cannot connect to 127.0.0.1:"), run


def test_invalid_endpoint_is_a_usage_error(embedded):
    run = embedded.init(new_bucket(), endpoint="http://127.0.0.1:9000/some/path")
    assert run.returncode == 2, run
    assert "invalid --endpoint 'http://127.0.0.1:9000/some/path'" in run.stderr
    assert run.stdout == ""


# Ceph RGW 16. The suite's cluster is reused when the run has one.

@pytest.fixture(scope="module")
def cluster():
    if satchel_harness.EXTERNAL_STORE is not None:
        yield satchel_harness.EXTERNAL_STORE
        return
    started = start_cluster()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def rgw(cluster, tmp_path):
    # The API origin only feeds the CORS rule, so the server keeps its
    # embedded store and never touches RGW.
    server = Server(env={"SATCHEL_STORE_EMBEDDED": "true"}).start()
    yield Target(cluster.endpoint, cluster.access_key_id, cluster.secret_access_key,
                 cluster.region, server, str(tmp_path))
    server.cleanup()


def test_rgw_first_run_applies_second_changes_nothing(rgw):
    skipped = run_twice_and_check(rgw, new_bucket())
    for setting, line in skipped.items():
        print(f"RGW skipped {setting}: {line}")
    # RGW 16 implements versioning, lifecycle and CORS. Only default
    # encryption may be missing.
    assert set(skipped) <= {"encryption"}


def test_rgw_object_lock_with_default_retention(rgw):
    skipped = run_twice_and_check(rgw, new_bucket(), object_lock=True)
    for setting, line in skipped.items():
        print(f"RGW skipped {setting}: {line}")
    assert "object lock" not in skipped


def test_rgw_object_lock_on_existing_bucket_fails(rgw):
    bucket = new_bucket()
    assert rgw.init(bucket).returncode == 0
    run = rgw.init(bucket, "--object-lock", env={"SATCHEL_STORE_DEFAULT_RETENTION_MODE":
                                                 "GOVERNANCE",
                                                 "SATCHEL_STORE_DEFAULT_RETENTION_DAYS": "1"})
    print(f"RGW on Object Lock for an existing bucket: {run.lines.get('object lock')}")
    assert run.returncode == 1, run
    assert run.lines["object lock"].startswith(
        "failed: PutObjectLockConfiguration returned status "), run
    assert run.lines["object lock"].endswith("so pass a new --bucket with --object-lock"), run


def test_rgw_bucket_of_another_user_fails(rgw, cluster):
    other_key = "OTHER" + secrets.token_hex(6).upper()
    other_secret = secrets.token_hex(20)
    observe_secret(other_secret)
    subprocess.run(["radosgw-admin", "-c", os.path.join(cluster.folder, "ceph.conf"), "user",
                    "create", "--uid", "other-" + secrets.token_hex(4), "--display-name",
                    "other", "--access-key", other_key, "--secret-key", other_secret],
                   check=True, capture_output=True, timeout=60)
    bucket = new_bucket()
    created = signed_request(cluster.endpoint, other_key, other_secret, cluster.region, "PUT",
                             "/" + bucket)
    assert created.status == 200, created

    run = rgw.init(bucket)
    assert run.returncode == 1, run
    assert run.lines["bucket"].startswith(f"failed: access to bucket {bucket} was denied"), run
    assert list(run.lines) == ["bucket"]


# store.sse: presigned PUTs sign x-amz-server-side-encryption.

def test_presigned_put_requires_signed_encryption_header():
    server = Server(env={"SATCHEL_STORE_EMBEDDED": "true", "SATCHEL_STORE_SSE": "AES256"}).start()
    try:
        client = satchel_harness.Client(server, server.mint_token("alice", "acme"))
        started = client.call("POST", "/v1/uploads", {"name": "notes.txt",
                                                       "content_type": "text/plain", "size": 5})
        assert started.status == 201, started
        ticket = started.json()
        assert ticket["headers"]["x-amz-server-side-encryption"] == "AES256"
        assert "x-amz-server-side-encryption" in ticket["url"]

        without = {name: value for name, value in ticket["headers"].items()
                   if name != "x-amz-server-side-encryption"}
        rejected = satchel_harness.request("PUT", ticket["url"], body=b"hello", headers=without)
        assert rejected.status == 403, rejected
        assert b"<Code>SignatureDoesNotMatch</Code>" in rejected.body or \
            b"<Code>AccessDenied</Code>" in rejected.body, rejected

        stored = satchel_harness.request("PUT", ticket["url"], body=b"hello",
                                         headers=ticket["headers"])
        assert stored.status == 200, stored
        assert stored.header("x-amz-server-side-encryption") == "AES256"
        completed = client.call("POST", f"/v1/uploads/{ticket['upload_id']}/complete")
        assert completed.status == 200, completed
        assert client.download("notes.txt").body == b"hello"
    finally:
        server.cleanup()


def test_kms_on_embedded_store_is_a_configuration_error(tmp_path):
    completed = subprocess.run(
        [SATCHEL_BINARY, "config", "print"], capture_output=True, text=True, timeout=60,
        env={**os.environ, "SATCHEL_STORE_SSE": "aws:kms", "SATCHEL_STORE_EMBEDDED": "true"})
    assert completed.returncode == 2, completed
    assert 'store.sse = "aws:kms" needs an external store' in completed.stderr
