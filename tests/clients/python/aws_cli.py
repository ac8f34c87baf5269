"""The AWS CLI from Debian as the client tests run it: one key, a private
config folder, path-style addressing and the store's endpoint."""

import json
import os
import subprocess

AWS = "/usr/bin/aws"
# The store's lifecycle thread runs every second in the modules that test it,
# so an expiration whose date has passed applies within a few passes.
LIFECYCLE_WAIT_SECONDS = 30


def cli_for(store, home, access_key_id, secret_access_key):
    """Returns run(*args, check=True), which runs the AWS CLI with this key
    and a private config folder and returns the completed process."""
    config = home / "config"
    config.write_text("[default]\nregion = us-east-1\ns3 =\n  addressing_style = path\n")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        "AWS_ACCESS_KEY_ID": access_key_id,
        "AWS_SECRET_ACCESS_KEY": secret_access_key,
        "AWS_DEFAULT_REGION": store["AWS_DEFAULT_REGION"],
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_PAGER": "",
        "AWS_MAX_ATTEMPTS": "1",
    }

    def run(*args, check=True):
        completed = subprocess.run(
            [AWS, "--endpoint-url", store["AWS_ENDPOINT_URL"], "s3api", *args],
            env=env, capture_output=True, text=True, timeout=120)
        if check:
            assert completed.returncode == 0, (args, completed.stdout, completed.stderr)
        return completed
    return run


def output(completed):
    return json.loads(completed.stdout) if completed.stdout.strip() else {}


def fails_with(completed, code):
    """Asserts that the call failed with this S3 error code, which the CLI
    prints in brackets. Its output carries no HTTP status."""
    assert completed.returncode != 0, completed.stdout
    assert f"({code})" in completed.stderr, completed.stderr
