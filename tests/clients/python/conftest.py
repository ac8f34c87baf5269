"""Fixtures for the real-client tests: a fresh `satchel serve` per test
module, and the store's admin key for the clients under test."""

import os
import sys

import pytest

# The integration suite's harness starts and stops `satchel serve`.
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "integration"))

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
