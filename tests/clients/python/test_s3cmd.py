"""s3cmd from Debian against the embedded store: put, get, ls and del."""

import filecmp
import os
import subprocess
import urllib.parse

import pytest


@pytest.fixture(scope="module")
def s3cmd(store, tmp_path_factory):
    """Runs s3cmd with a config file for the store, path-style and over
    plain HTTP. Returns stdout; fails on a non-zero exit."""
    endpoint = urllib.parse.urlsplit(store["AWS_ENDPOINT_URL"]).netloc
    config = tmp_path_factory.mktemp("s3cmd") / "s3cfg"
    config.write_text(
        "[default]\n"
        f"access_key = {store['AWS_ACCESS_KEY_ID']}\n"
        f"secret_key = {store['AWS_SECRET_ACCESS_KEY']}\n"
        f"host_base = {endpoint}\n"
        f"host_bucket = {endpoint}\n"
        "use_https = False\n"
        "signature_v2 = False\n"
        f"bucket_location = {store['AWS_DEFAULT_REGION']}\n")

    def run(*args):
        completed = subprocess.run(["s3cmd", "-c", str(config), "--no-progress", *args],
                                   capture_output=True, text=True, timeout=300)
        assert completed.returncode == 0, (args, completed.stdout, completed.stderr)
        return completed.stdout
    return run


def test_put_get_ls_del(s3cmd, store, tmp_path):
    source = tmp_path / "report 2024+final.bin"
    source.write_bytes(os.urandom(4096))
    target = f"s3://{store['SATCHEL_BUCKET']}/s3cmd/report 2024+final.bin"
    s3cmd("put", str(source), target)

    listing = s3cmd("ls", f"s3://{store['SATCHEL_BUCKET']}/s3cmd/")
    assert "report 2024+final.bin" in listing
    assert "4096" in listing

    back = tmp_path / "back.bin"
    s3cmd("get", target, str(back))
    assert filecmp.cmp(source, back, shallow=False)

    s3cmd("del", target)
    assert "report 2024+final.bin" not in s3cmd("ls", f"s3://{store['SATCHEL_BUCKET']}/s3cmd/")


def test_large_put_uses_multipart(s3cmd, store, tmp_path):
    source = tmp_path / "large.bin"
    source.write_bytes(os.urandom(20 * 1024 * 1024))
    target = f"s3://{store['SATCHEL_BUCKET']}/s3cmd/large.bin"
    # s3cmd splits files larger than its 15 MiB chunk size into parts.
    s3cmd("put", str(source), target)
    back = tmp_path / "large.back"
    s3cmd("get", target, str(back))
    assert filecmp.cmp(source, back, shallow=False)
    s3cmd("del", target)
