"""GET /v1/objects filters: content type (exact or a family such as
image/*), updated_since and a name search, combined with the prefix and the
cursor."""

import urllib.parse

import pytest

from satchel_harness import Client, sign_in, utc_now
from upload_check_helpers import make_image

# complete checks image bytes and the preferences schema, so the files are
# real images and valid preferences.
PREFERENCES = (b'{"theme": "light", "language": "en", "time_zone": "UTC", '
               b'"email_notifications": false}')


def listed_names(client, **query):
    reply = client.call("GET", "/v1/objects?" + urllib.parse.urlencode(query))
    assert reply.status == 200, reply
    return [o["name"] for o in reply.json()["objects"]]


def test_filters_narrow_the_listing(server):
    client = Client(server, sign_in(server, "alice", "acme")["id_token"])
    for name, data, content_type in [
            ("preferences.json", PREFERENCES, "application/json"),
            ("photos/Beach.png", make_image(".png", 8, 8), "image/png"),
            ("photos/beach-notes.txt", b"txt", "text/plain"),
            ("avatar.jpg", make_image(".jpg", 8, 8), "image/jpeg")]:
        completed = client.upload(name, data, content_type)[2]
        assert completed.status == 200, completed

    assert listed_names(client, content_type="image/*") == ["avatar.jpg", "photos/Beach.png"]
    assert listed_names(client, content_type="application/json") == ["preferences.json"]
    assert listed_names(client, search="BEACH") == ["photos/Beach.png", "photos/beach-notes.txt"]
    assert listed_names(client, search="beach", content_type="text/plain", prefix="photos/") == [
        "photos/beach-notes.txt"]
    assert listed_names(client, updated_since="2000-01-01T00:00:00Z") == [
        "avatar.jpg", "photos/Beach.png", "photos/beach-notes.txt", "preferences.json"]
    future = (utc_now().replace(year=utc_now().year + 1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert listed_names(client, updated_since=future) == []

    first = client.call("GET", "/v1/objects?content_type=image/*&limit=1").json()
    assert [o["name"] for o in first["objects"]] == ["avatar.jpg"]
    second = client.call("GET", "/v1/objects?content_type=image/*&limit=1&cursor="
                         + urllib.parse.quote(first["next_cursor"])).json()
    assert [o["name"] for o in second["objects"]] == ["photos/Beach.png"]


def test_malformed_filters_are_bad_requests(server):
    client = Client(server, sign_in(server, "alice", "acme")["id_token"])
    bad_type = client.call("GET", "/v1/objects?content_type=json")
    assert bad_type.status == 400, bad_type
    bad_time = client.call("GET", "/v1/objects?updated_since=yesterday")
    assert bad_time.status == 400, bad_time
    assert bad_time.json()["error"]["code"] == "invalid_updated_since"


@pytest.mark.parametrize("cursor", ["!!!", "%00", "%FF", "AA"])
def test_malformed_cursor_is_a_bad_request(server, cursor):
    client = Client(server, sign_in(server, "alice", "acme")["id_token"])
    client.upload("a.txt", b"a", "text/plain")
    listed = client.call("GET", "/v1/objects?cursor=" + cursor)
    assert listed.status == 400, listed
    versions = client.call("GET", "/v1/objects/a.txt/versions?cursor=" + cursor)
    assert versions.status == 400, versions
