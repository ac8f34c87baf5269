import pytest

import satchel_harness
from rgw_harness import rgw_mode, start_cluster
from satchel_harness import Server

# Tests that read the embedded store's files, and so cannot run when the
# store is Ceph RGW (SATCHEL_TEST_STORE=rgw):
# - the fifty-writer test gives its second API process the first one's
#   embedded store key from <data_dir>/store/credentials.json.
EMBEDDED_STORE_ONLY = (
    "test_concurrency.py::test_fifty_read_modify_write_clients_lose_no_update",
)


def pytest_collection_modifyitems(config, items):
    if not rgw_mode():
        return
    kept = [item for item in items if not item.nodeid.startswith(EMBEDDED_STORE_ONLY)]
    deselected = [item for item in items if item.nodeid.startswith(EMBEDDED_STORE_ONLY)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@pytest.fixture(scope="session", autouse=True)
def external_store():
    """In RGW mode, runs one Ceph cluster for the whole session and points
    every Server at it; otherwise does nothing."""
    if not rgw_mode():
        yield None
        return
    cluster = start_cluster()
    satchel_harness.EXTERNAL_STORE = cluster
    try:
        yield cluster
    finally:
        satchel_harness.EXTERNAL_STORE = None
        cluster.stop()


@pytest.fixture
def server():
    instance = Server().start()
    yield instance
    instance.cleanup()
