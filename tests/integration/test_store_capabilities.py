"""The store capabilities decided at start-up (store.conditional_writes and
store.checksums) and how uploads behave with each.

The suite runs in three modes, and the expected capabilities follow from
the mode: the embedded store honours both features, Ceph 16 RGW neither,
and SATCHEL_STORE_CONDITIONAL_WRITES / SATCHEL_STORE_CHECKSUMS set to "off"
in the environment force them off. Whatever the mode, a lost race never
overwrites a committed record and the committed bytes are served.
"""

import base64
import hashlib
import json
import os
import urllib.parse

from rgw_harness import signed_request, rgw_mode
from satchel_harness import Client, request, sign_in

PROBE_PREFIX = ".satchel-probe/"


def expected_enabled(variable):
    """Whether the capability that variable configures should be on."""
    setting = os.environ.get(variable, "auto")
    if setting in ("on", "off"):
        return setting == "on"
    return not rgw_mode()


CONDITIONAL_WRITES = expected_enabled("SATCHEL_STORE_CONDITIONAL_WRITES")
CHECKSUMS = expected_enabled("SATCHEL_STORE_CHECKSUMS")


def signed_in(server):
    return Client(server, sign_in(server, "alice", "acme")["id_token"])


def decisions(server):
    """The "store capability decided" log lines by capability."""
    found = {}
    for line in server.log().splitlines():
        if '"store capability decided"' in line:
            entry = json.loads(line)
            found[entry["capability"]] = entry
    return found


def start(client, name, data, **extra):
    started = client.call("POST", "/v1/uploads", {
        "name": name, "content_type": "application/json", "size": len(data), **extra})
    assert started.status == 201, started
    return started.json()


def put(ticket, data):
    return request("PUT", ticket["url"], body=data, headers=ticket["headers"])


def complete(client, ticket):
    return client.call("POST", f"/v1/uploads/{ticket['upload_id']}/complete")


def test_start_up_logs_each_decision(server):
    logged = decisions(server)
    assert logged["conditional_writes"]["enabled"] is CONDITIONAL_WRITES
    assert logged["checksums"]["enabled"] is CHECKSUMS


def test_probe_leaves_no_scratch_objects(server):
    credentials = server.store_credentials()
    listing = signed_request(server.store, credentials["AWS_ACCESS_KEY_ID"],
                             credentials["AWS_SECRET_ACCESS_KEY"],
                             credentials["AWS_DEFAULT_REGION"], "GET", "/" + server.bucket,
                             query="prefix=" + urllib.parse.quote(PROBE_PREFIX, safe="") + "&versions=")
    assert listing.status == 200, listing
    assert b"<Key>" not in listing.body


def test_create_only_put_signs_precondition_only_when_enabled(server):
    ticket = start(signed_in(server), "fresh.json", b"{}", if_none_match="*")
    assert (ticket["headers"].get("If-None-Match") == "*") is CONDITIONAL_WRITES


def test_second_create_only_upload_never_replaces_the_first(server):
    client = signed_in(server)
    first = start(client, "created.json", b'{"a":1}', if_none_match="*")
    second = start(client, "created.json", b'{"b":2}', if_none_match="*")
    assert put(first, b'{"a":1}').status == 200
    assert complete(client, first).status == 200

    late_put = put(second, b'{"b":2}')
    if CONDITIONAL_WRITES:
        # The store itself rejects the bytes.
        assert late_put.status == 412, late_put
    else:
        # The store takes the bytes as a new version, and complete rejects
        # the upload because the record now exists.
        assert late_put.status == 200, late_put
        late_complete = complete(client, second)
        assert late_complete.status == 409, late_complete
    assert client.download("created.json").body == b'{"a":1}'


def test_replace_from_a_stale_etag_never_lands(server):
    client = signed_in(server)
    started, _, completed = client.upload("doc.json", b'{"v":0}', "application/json")
    assert completed.status == 200, completed
    etag = completed.json()["etag"]
    winner = start(client, "doc.json", b'{"v":1}', if_match=etag)
    loser = start(client, "doc.json", b'{"v":2}', if_match=etag)
    assert ("If-Match" in loser["headers"]) is CONDITIONAL_WRITES

    assert put(winner, b'{"v":1}').status == 200
    assert complete(client, winner).status == 200
    late_put = put(loser, b'{"v":2}')
    if CONDITIONAL_WRITES:
        assert late_put.status == 412, late_put
    else:
        assert late_put.status == 200, late_put
        assert complete(client, loser).status == 409
    record = client.call("POST", "/v1/downloads", {"name": "doc.json"}).json()["object"]
    assert record["revision"] == 2
    assert client.download("doc.json").body == b'{"v":1}'


def test_sha256_upload_signs_checksum_only_when_enabled(server):
    client = signed_in(server)
    data = b'{"checked":true}'
    digest = hashlib.sha256(data)
    ticket = start(client, "checked.json", data, sha256=digest.hexdigest())
    expected = base64.b64encode(digest.digest()).decode()
    assert (ticket["headers"].get("x-amz-checksum-sha256") == expected) is CHECKSUMS
    # Other bytes of the same length fail on every store, because the
    # payload hash (x-amz-content-sha256) is signed either way. RGW answers
    # 400 XAmzContentSHA256Mismatch, the embedded store 403.
    assert put(ticket, b'{"checked":nul}').status in (400, 403)
    assert complete(client, ticket).status == 409
    assert put(ticket, data).status == 200
    assert complete(client, ticket).status == 200
    assert client.download("checked.json").body == data


def test_abandoned_put_does_not_block_later_replaces(server):
    client = signed_in(server)
    _, _, completed = client.upload("kept.json", b'{"v":0}', "application/json")
    etag = completed.json()["etag"]
    # Bytes PUT for an upload that is never completed become the store's
    # latest version of the key.
    abandoned = start(client, "kept.json", b'{"v":1}', if_match=etag)
    assert put(abandoned, b'{"v":1}').status == 200

    retry = start(client, "kept.json", b'{"v":2}', if_match=etag)
    # No store precondition is signed while uncommitted bytes are on top.
    assert "If-Match" not in retry["headers"]
    assert put(retry, b'{"v":2}').status == 200
    assert complete(client, retry).status == 200
    assert client.download("kept.json").body == b'{"v":2}'

    # Once the committed version is on top again, the precondition is back.
    following = start(client, "kept.json", b'{"v":3}',
                      if_match=client.call("POST", "/v1/downloads",
                                           {"name": "kept.json"}).json()["object"]["etag"])
    assert ("If-Match" in following["headers"]) is CONDITIONAL_WRITES


def test_abandoned_create_does_not_block_later_creates(server):
    client = signed_in(server)
    abandoned = start(client, "new.json", b'{"a":1}', if_none_match="*")
    assert put(abandoned, b'{"a":1}').status == 200

    retry = start(client, "new.json", b'{"b":2}', if_none_match="*")
    assert "If-None-Match" not in retry["headers"]
    assert put(retry, b'{"b":2}').status == 200
    assert complete(client, retry).status == 200
    assert client.download("new.json").body == b'{"b":2}'
