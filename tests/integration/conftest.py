import pytest

from satchel_harness import Server


@pytest.fixture
def server():
    instance = Server().start()
    yield instance
    instance.cleanup()
