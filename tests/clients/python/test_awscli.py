"""AWS CLI v2 from Debian (/usr/bin/aws, version 2.9) against the embedded
store: high-level `aws s3` transfers, including a 64 MiB multipart upload,
and `aws s3api` calls for versions, ranges and checksums."""

import filecmp
import json
import os
import subprocess
import urllib.request

import pytest

AWS = "/usr/bin/aws"
BIG_BYTES = 64 * 1024 * 1024


@pytest.fixture(scope="module")
def aws(store, tmp_path_factory):
    """Runs the AWS CLI against the store with a private config folder, so no
    setting of the machine leaks in. Returns stdout; fails on a non-zero
    exit."""
    home = tmp_path_factory.mktemp("aws-home")
    config = home / "config"
    # AWS CLI 2.9 predates AWS_ENDPOINT_URL, so the endpoint is a flag.
    config.write_text("[default]\nregion = us-east-1\ns3 =\n  addressing_style = path\n")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        "AWS_ACCESS_KEY_ID": store["AWS_ACCESS_KEY_ID"],
        "AWS_SECRET_ACCESS_KEY": store["AWS_SECRET_ACCESS_KEY"],
        "AWS_DEFAULT_REGION": store["AWS_DEFAULT_REGION"],
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_PAGER": "",
    }

    def run(*args, check=True):
        completed = subprocess.run(
            [AWS, "--endpoint-url", store["AWS_ENDPOINT_URL"], *args],
            env=env, capture_output=True, text=True, timeout=300)
        if check:
            assert completed.returncode == 0, (args, completed.stdout, completed.stderr)
        return completed
    return run


@pytest.fixture
def files(tmp_path):
    small = tmp_path / "small.bin"
    small.write_bytes(os.urandom(1024))
    return tmp_path, small


def bucket(store):
    return "s3://" + store["SATCHEL_BUCKET"]


def test_cp_small_file_up_and_down(aws, store, files):
    folder, small = files
    aws("s3", "cp", str(small), bucket(store) + "/cli/small.bin", "--only-show-errors")
    back = folder / "back.bin"
    aws("s3", "cp", bucket(store) + "/cli/small.bin", str(back), "--only-show-errors")
    assert filecmp.cmp(small, back, shallow=False)


def test_cp_64_mebibytes_goes_multipart(aws, store, files):
    folder, _ = files
    big = folder / "big.bin"
    with open(big, "wb") as handle:
        for _ in range(BIG_BYTES // (1 << 20)):
            handle.write(os.urandom(1 << 20))
    aws("s3", "cp", str(big), bucket(store) + "/cli/big.bin", "--only-show-errors")
    head = json.loads(aws("s3api", "head-object", "--bucket", store["SATCHEL_BUCKET"],
                          "--key", "cli/big.bin").stdout)
    assert head["ContentLength"] == BIG_BYTES
    # The CLI's default part size is 8 MiB, so the ETag counts 8 parts.
    assert head["ETag"].endswith('-8"'), head["ETag"]
    back = folder / "big.back"
    aws("s3", "cp", bucket(store) + "/cli/big.bin", str(back), "--only-show-errors")
    assert filecmp.cmp(big, back, shallow=False)


def test_ls_sync_and_rm(aws, store, tmp_path):
    source = tmp_path / "source"
    (source / "sub").mkdir(parents=True)
    (source / "a.txt").write_text("a")
    (source / "sub" / "b c+d ü.txt").write_text("b")
    aws("s3", "sync", str(source), bucket(store) + "/synced/", "--only-show-errors")

    listing = aws("s3", "ls", bucket(store) + "/synced/", "--recursive").stdout
    assert "synced/a.txt" in listing
    assert "synced/sub/b c+d ü.txt" in listing
    top = aws("s3", "ls", bucket(store) + "/synced/").stdout
    assert "PRE sub/" in top

    copy = tmp_path / "copy"
    aws("s3", "sync", bucket(store) + "/synced/", str(copy), "--only-show-errors")
    assert (copy / "sub" / "b c+d ü.txt").read_text() == "b"

    aws("s3", "rm", bucket(store) + "/synced/a.txt", "--only-show-errors")
    aws("s3", "rm", bucket(store) + "/synced/", "--recursive", "--only-show-errors")
    after = aws("s3", "ls", bucket(store) + "/synced/", "--recursive", check=False)
    assert after.stdout.strip() == ""


def test_presigned_url_works_with_curl(aws, store, files):
    folder, small = files
    aws("s3", "cp", str(small), bucket(store) + "/cli/shared.bin", "--only-show-errors")
    url = aws("s3", "presign", bucket(store) + "/cli/shared.bin", "--expires-in", "300").stdout
    fetched = folder / "fetched.bin"
    status = subprocess.run(["curl", "-sS", "-o", str(fetched), "-w", "%{http_code}", url.strip()],
                            capture_output=True, text=True, timeout=60).stdout
    assert status == "200"
    assert filecmp.cmp(small, fetched, shallow=False)


def test_versions_and_ranged_version_reads(aws, tmp_path):
    aws("s3", "mb", "s3://cli-versions")
    aws("s3api", "put-bucket-versioning", "--bucket", "cli-versions",
        "--versioning-configuration", "Status=Enabled")
    status = json.loads(aws("s3api", "get-bucket-versioning", "--bucket", "cli-versions").stdout)
    assert status["Status"] == "Enabled"

    first_body = tmp_path / "first"
    first_body.write_text("first version")
    second_body = tmp_path / "second"
    second_body.write_text("second version")
    first = json.loads(aws("s3api", "put-object", "--bucket", "cli-versions", "--key", "doc",
                           "--body", str(first_body)).stdout)["VersionId"]
    aws("s3api", "put-object", "--bucket", "cli-versions", "--key", "doc",
        "--body", str(second_body))
    aws("s3", "rm", "s3://cli-versions/doc", "--only-show-errors")

    versions = json.loads(aws("s3api", "list-object-versions", "--bucket", "cli-versions").stdout)
    assert [v["IsLatest"] for v in versions["Versions"]] == [False, False]
    assert len(versions["DeleteMarkers"]) == 1
    assert versions["DeleteMarkers"][0]["IsLatest"] is True
    assert first in [v["VersionId"] for v in versions["Versions"]]

    out = tmp_path / "range.txt"
    # With "=", because one id in 64 starts with "-", which the CLI reads as an option.
    reply = json.loads(aws("s3api", "get-object", "--bucket", "cli-versions", "--key", "doc",
                           f"--version-id={first}", "--range", "bytes=0-4", str(out)).stdout)
    assert out.read_text() == "first"
    assert reply["ContentRange"] == "bytes 0-4/13"


def test_cli_lacks_if_none_match(aws):
    # Debian 12 ships AWS CLI 2.9, whose put-object has no --if-none-match.
    # The store's support for it is tested through the JavaScript SDK and
    # the unit tests instead; this test fails once the CLI gains the option.
    help_text = aws("s3api", "put-object", "help").stdout
    if "--if-none-match" in help_text:
        pytest.fail("this AWS CLI supports --if-none-match: test it here")


def test_checksum_mode_returns_stored_checksum(aws, store, tmp_path):
    body = tmp_path / "sum.txt"
    body.write_text("checksummed")
    put = json.loads(aws("s3api", "put-object", "--bucket", store["SATCHEL_BUCKET"],
                         "--key", "cli/sum.txt", "--body", str(body),
                         "--checksum-algorithm", "CRC32").stdout)
    assert "ChecksumCRC32" in put
    head = json.loads(aws("s3api", "head-object", "--bucket", store["SATCHEL_BUCKET"],
                          "--key", "cli/sum.txt", "--checksum-mode", "ENABLED").stdout)
    assert head["ChecksumCRC32"] == put["ChecksumCRC32"]
    plain = json.loads(aws("s3api", "head-object", "--bucket", store["SATCHEL_BUCKET"],
                           "--key", "cli/sum.txt").stdout)
    assert "ChecksumCRC32" not in plain
