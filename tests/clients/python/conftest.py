"""Fixtures for the real-client tests: a fresh `satchel serve` per test
module, and the store's admin key for the clients under test."""

import json
import os
import sys

import pytest

# The integration suite's harness starts and stops `satchel serve`.
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "integration"))

from aws_cli import cli_for  # noqa: E402
from satchel_harness import Server  # noqa: E402


@pytest.fixture(scope="module")
def server():
    instance = Server().start()
    yield instance
    instance.cleanup()


@pytest.fixture(scope="module")
def store(server):
    """The store's endpoint, bucket and admin key as `satchel store
    credentials` prints them."""
    return server.store_credentials()


@pytest.fixture(scope="module")
def admin(store, tmp_path_factory):
    return cli_for(store, tmp_path_factory.mktemp("admin-home"), store["AWS_ACCESS_KEY_ID"],
                   store["AWS_SECRET_ACCESS_KEY"])


@pytest.fixture(scope="module")
def api(server, store, tmp_path_factory):
    """The CLI with the key the Satchel API signs with, read from the store's
    credentials file."""
    with open(os.path.join(server.data_dir, "store", "credentials.json"),
              encoding="utf-8") as handle:
        key = json.load(handle)["api"]
    return cli_for(store, tmp_path_factory.mktemp("api-home"), key["access_key_id"],
                   key["secret_access_key"])
