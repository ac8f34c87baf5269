"""Fifty clients doing read-modify-write of one JSON document at once,
through two API processes that share one metadata database and one store, on
SQLite and on PostgreSQL.

Each client reads the committed document, adds its own field and writes it
back with if_match set to the ETag it read, retrying after a 409 or 412 until
it succeeds. No update may be lost: every success raises the revision by
exactly one, every failure is a 409 or 412, and the final document contains
the field of every successful write.

All clients act for one user, so both API processes run with a presign rate
limit far above what the test needs: the race under test is between writers,
and a 429 would count as a failure.

The smaller tests run the two field cases in both orders: two writers of
manifest.json from one ETag, where the loser re-reads, merges and retries,
and two first-time writers, of which exactly one create wins.

The second API process runs without its own store: it is pointed at the first
one's embedded store with the API's store key, and it trusts the same
development issuer, with the same signing key and public URL, so one token
works on both.
"""

import json
import os
import random
import shutil
import tempfile
import threading
import time

import pytest

from postgres_harness import PostgresServer
from satchel_harness import Client, Server, observe_secret, request

CLIENTS = 50
MAX_ATTEMPTS_PER_CLIENT = 400
# Not preferences.json, whose schema allows no fields of the clients' own.
NAME = "shared-settings.json"
# Both processes of the large test: no 429 while fifty clients retry.
UNLIMITED_PRESIGN = {"SATCHEL_API_PRESIGN_BURST": "1000000",
                     "SATCHEL_API_PRESIGN_PER_SECOND": "1000000"}


@pytest.fixture(scope="module")
def postgres():
    server = PostgresServer().start()
    yield server
    server.stop()


def second_api(first, metadata_url):
    """Starts an API process that shares first's store, issuer and metadata."""
    data_dir = tempfile.mkdtemp(prefix="satchel-test-")
    key_dir = os.path.join(data_dir, "oidc")
    os.makedirs(key_dir, mode=0o700)
    shutil.copy2(os.path.join(first.data_dir, "oidc", "signing-key.pem"), key_dir)
    with open(os.path.join(first.data_dir, "store", "credentials.json"),
              encoding="utf-8") as handle:
        api_key = json.load(handle)["api"]
    observe_secret(api_key["secret_access_key"])
    server = Server(data_dir=data_dir, env={
        **UNLIMITED_PRESIGN,
        "SATCHEL_METADATA_URL": metadata_url,
        "SATCHEL_SERVER_PUBLIC_URL": first.api,
        "SATCHEL_STORE_EMBEDDED": "false",
        "SATCHEL_STORE_ENDPOINT": first.store,
        "SATCHEL_STORE_ACCESS_KEY_ID": api_key["access_key_id"],
        "SATCHEL_STORE_SECRET_ACCESS_KEY": api_key["secret_access_key"],
    })
    return server.start()


@pytest.fixture(params=["sqlite", "postgres"])
def two_apis(request, tmp_path):
    if request.param == "postgres":
        metadata_url = request.getfixturevalue("postgres").create_database()
    else:
        metadata_url = "sqlite:" + str(tmp_path / "metadata.db")
    first = Server(env={**UNLIMITED_PRESIGN, "SATCHEL_METADATA_URL": metadata_url}).start()
    second = None
    try:
        second = second_api(first, metadata_url)
        yield first, second
    finally:
        if second is not None:
            second.cleanup()
            shutil.rmtree(second.data_dir, ignore_errors=True)
        first.cleanup()


class Outcomes:
    """What every attempt of every client saw, shared by the threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.successes = []  # (field, revision read, revision committed)
        self.failures = []  # (step, status, body)
        self.errors = []

    def success(self, field, read_revision, committed_revision):
        with self.lock:
            self.successes.append((field, read_revision, committed_revision))

    def failure(self, step, reply):
        with self.lock:
            self.failures.append((step, reply.status, reply.body[:200]))


def read_document(client, name=NAME):
    """Returns the committed record and the document it names."""
    presigned = client.call("POST", "/v1/downloads", {"name": name})
    assert presigned.status == 200, presigned
    fetched = request("GET", presigned.json()["url"])
    assert fetched.status == 200, fetched
    return presigned.json()["object"], json.loads(fetched.body)


def write_once(client, field, value, outcomes):
    """One read-modify-write. Returns whether it committed."""
    record, document = read_document(client)
    document[field] = value
    data = json.dumps(document, sort_keys=True).encode()
    started = client.call("POST", "/v1/uploads", {
        "name": NAME, "content_type": "application/json", "size": len(data),
        "if_match": record["etag"]})
    if started.status != 201:
        outcomes.failure("start", started)
        return False
    ticket = started.json()
    put = request("PUT", ticket["url"], body=data, headers=ticket["headers"])
    if put.status != 200:
        outcomes.failure("put", put)
        return False
    completed = client.call("POST", f"/v1/uploads/{ticket['upload_id']}/complete")
    if completed.status != 200:
        outcomes.failure("complete", completed)
        return False
    outcomes.success(field, record["revision"], completed.json()["revision"])
    return True


def run_client(index, servers, token, start, outcomes):
    client = Client(servers[index % len(servers)], token)
    field = f"client_{index:02d}"
    randomness = random.Random(index)
    start.wait()
    try:
        for _ in range(MAX_ATTEMPTS_PER_CLIENT):
            if write_once(client, field, index, outcomes):
                return
            # A short random pause spreads the retries of the losers.
            time.sleep(randomness.uniform(0, 0.02))
    except Exception as error:  # the test fails on any entry in outcomes.errors
        with outcomes.lock:
            outcomes.errors.append(f"{field}: {error!r}")


def test_fifty_read_modify_write_clients_lose_no_update(two_apis):
    first, second = two_apis
    token = first.mint_token("alice", "acme")
    seed = Client(first, token)
    started, put, completed = seed.upload(NAME, b"{}", "application/json")
    assert completed.status == 200, completed
    assert completed.json()["revision"] == 1

    outcomes = Outcomes()
    start = threading.Barrier(CLIENTS)
    threads = [threading.Thread(target=run_client,
                                args=(i, (first, second), token, start, outcomes))
               for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.errors == []
    failure_statuses = {status for _, status, _ in outcomes.failures}
    assert failure_statuses <= {409, 412}, outcomes.failures[:5]
    # Every success moved the document from the revision it read to the next.
    for field, read_revision, committed_revision in outcomes.successes:
        assert committed_revision == read_revision + 1, field
    committed = sorted(revision for _, _, revision in outcomes.successes)
    assert committed == list(range(2, 2 + len(outcomes.successes)))
    assert len(outcomes.successes) == CLIENTS

    for server in (first, second):
        record, document = read_document(Client(server, token))
        assert record["revision"] == 1 + len(outcomes.successes)
        assert set(document) == {field for field, _, _ in outcomes.successes}
        assert all(document[f"client_{i:02d}"] == i for i in range(CLIENTS))


def start_write(client, name, document, **precondition):
    data = json.dumps(document, sort_keys=True).encode()
    started = client.call("POST", "/v1/uploads", {
        "name": name, "content_type": "application/json", "size": len(data), **precondition})
    return started, data


def finish_write(client, started, data):
    """PUTs the bytes of a started upload and completes it. Returns the reply
    that decided it: a failed start, a refused PUT or the completion."""
    if started.status != 201:
        return started
    ticket = started.json()
    put = request("PUT", ticket["url"], body=data, headers=ticket["headers"])
    if put.status != 200:
        return put
    return client.call("POST", f"/v1/uploads/{ticket['upload_id']}/complete")


@pytest.mark.parametrize("first_to_finish", ["a", "b"])
def test_concurrent_manifest_writers_both_land(server, first_to_finish):
    client = Client(server, server.mint_token("alice", "acme"))
    client.upload("manifest.json", b'{"entries":[]}', "application/json")
    record, manifest = read_document(client, name="manifest.json")

    started = {}
    for writer in ("a", "b"):
        entry_added = {"entries": manifest["entries"] + [writer]}
        started[writer] = start_write(client, "manifest.json", entry_added,
                                      if_match=record["etag"])
    order = [first_to_finish, "b" if first_to_finish == "a" else "a"]
    results = {writer: finish_write(client, *started[writer]) for writer in order}

    winners = [writer for writer, reply in results.items() if reply.status == 200]
    losers = [writer for writer, reply in results.items() if reply.status != 200]
    assert len(winners) == 1, results
    assert results[losers[0]].status in (409, 412), results
    # The loser re-reads, merges its entry into what won, and writes again.
    record, manifest = read_document(client, name="manifest.json")
    merged = {"entries": manifest["entries"] + losers}
    retried = finish_write(client, *start_write(client, "manifest.json", merged,
                                                if_match=record["etag"]))
    assert retried.status == 200, retried
    assert sorted(read_document(client, name="manifest.json")[1]["entries"]) == ["a", "b"]


@pytest.mark.parametrize("first_to_finish", ["a", "b"])
def test_exactly_one_first_time_create_wins(server, first_to_finish):
    client = Client(server, server.mint_token("alice", "acme"))
    started = {writer: start_write(client, "manifest.json", {"entries": [writer]},
                                   if_none_match="*")
               for writer in ("a", "b")}
    order = [first_to_finish, "b" if first_to_finish == "a" else "a"]
    results = {writer: finish_write(client, *started[writer]) for writer in order}

    statuses = sorted(reply.status for reply in results.values())
    assert statuses[0] == 200, results
    assert statuses[1] in (409, 412), results
    winner = next(writer for writer, reply in results.items() if reply.status == 200)
    record, manifest = read_document(client, name="manifest.json")
    assert manifest == {"entries": [winner]}
    assert record["revision"] == 1

