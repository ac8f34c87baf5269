"""The preferences data contract over HTTP. GET /v1/schemas/preferences
serves the JSON Schema. Completing an upload of a preferences.json that does
not match it gets 422 with the JSON Pointer of the failure. The previous
version stays current, and the rejected bytes are deleted from the store."""

import json
import os
import tempfile

import pytest

from satchel_harness import Client, Server, request, sign_in
from upload_check_helpers import store_get_version

VALID = {"theme": "dark", "language": "de", "time_zone": "Europe/Berlin",
         "email_notifications": True, "items_per_page": 50}


def encode(document):
    return json.dumps(document).encode()


def signed_in(server):
    return Client(server, sign_in(server, "alice", "acme")["id_token"])


def test_schema_endpoint_serves_schema(server):
    reply = signed_in(server).call("GET", "/v1/schemas/preferences")
    assert reply.status == 200, reply
    assert reply.header("Content-Type") == "application/schema+json"
    schema = reply.json()
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema["additionalProperties"] is False
    assert schema["properties"]["theme"]["enum"] == ["system", "light", "dark"]
    assert len(schema["properties"]["language"]["enum"]) == 12
    assert schema["properties"]["time_zone"]["maxLength"] == 64
    assert schema["properties"]["items_per_page"]["minimum"] == 10
    assert schema["properties"]["items_per_page"]["maximum"] == 100
    assert "items_per_page" not in schema["required"]
    # The properties keep the file's order, which is the form's field order.
    assert list(schema["properties"]) == [
        "theme", "language", "time_zone", "email_notifications", "items_per_page"]


def test_schema_endpoint_requires_token(server):
    reply = request("GET", server.api + "/v1/schemas/preferences")
    assert reply.status == 401, reply


def test_valid_preferences_commit(server):
    client = signed_in(server)
    started, put, completed = client.upload("preferences.json", encode(VALID), "application/json")
    assert completed.status == 200, completed
    assert completed.json()["revision"] == 1
    assert client.download("preferences.json").body == encode(VALID)


def test_optional_field_may_be_left_out(server):
    client = signed_in(server)
    document = {key: value for key, value in VALID.items() if key != "items_per_page"}
    completed = client.upload("preferences.json", encode(document), "application/json")[2]
    assert completed.status == 200, completed


def test_invalid_preferences_keep_previous_version(server):
    client = signed_in(server)
    first = client.upload("preferences.json", encode(VALID), "application/json")[2]
    assert first.status == 200, first

    invalid = encode({**VALID, "theme": "blue"})
    started, put, completed = client.upload("preferences.json", invalid, "application/json")
    assert put.status == 200, put
    assert completed.status == 422, completed
    error = completed.json()["error"]
    assert error["code"] == "schema_violation"
    assert error["path"] == "/theme"
    assert "/theme" in error["message"]
    assert [violation["path"] for violation in error["violations"]] == ["/theme"]
    assert completed.json()["request_id"]

    assert client.download("preferences.json").body == encode(VALID)
    record = client.call("GET", "/v1/objects/preferences.json").json()
    assert record["revision"] == 1
    assert record["version_id"] == first.json()["version_id"]
    rejected_version = put.header("x-amz-version-id")
    assert rejected_version
    assert store_get_version(server, started.json()["key"], rejected_version).status == 404
    # The upload was aborted, so completing it again fails for good.
    again = client.call("POST", f"/v1/uploads/{started.json()['upload_id']}/complete")
    assert again.status == 410, again


@pytest.mark.parametrize("document, path", [
    ({**VALID, "language": "xx-YY"}, "/language"),
    ({**VALID, "time_zone": "Not a zone!"}, "/time_zone"),
    ({**VALID, "time_zone": "A" * 65}, "/time_zone"),
    ({**VALID, "email_notifications": "yes"}, "/email_notifications"),
    ({**VALID, "items_per_page": 5}, "/items_per_page"),
    ({**VALID, "items_per_page": 101}, "/items_per_page"),
    ({**VALID, "items_per_page": 20.5}, "/items_per_page"),
])
def test_each_constraint_names_its_path(server, document, path):
    completed = signed_in(server).upload("preferences.json", encode(document),
                                         "application/json")[2]
    assert completed.status == 422, completed
    assert completed.json()["error"]["path"] == path


def test_missing_and_extra_properties_are_rejected(server):
    client = signed_in(server)
    missing = {key: value for key, value in VALID.items() if key != "time_zone"}
    completed = client.upload("preferences.json", encode(missing), "application/json")[2]
    assert completed.status == 422, completed
    assert "time_zone" in completed.json()["error"]["message"]

    extra = {**VALID, "favourite_colour": "green"}
    completed = client.upload("preferences.json", encode(extra), "application/json")[2]
    assert completed.status == 422, completed
    assert completed.json()["error"]["code"] == "schema_violation"


def test_huge_string_gets_422_and_server_stays_up(server):
    # A pattern over 30,000 characters once crashed the process in std::regex.
    client = signed_in(server)
    document = {**VALID, "time_zone": "A" * 60_000}
    completed = client.upload("preferences.json", encode(document), "application/json")[2]
    assert completed.status == 422, completed
    assert completed.json()["error"]["path"] == "/time_zone"
    assert request("GET", server.api + "/healthz").status == 200


@pytest.mark.parametrize("data", [b"{not json", b'{"theme": "\xff\xfe"}', b"", b"[]"])
def test_bytes_that_are_no_preferences_get_422(server, data):
    client = signed_in(server)
    completed = client.upload("preferences.json", data, "application/json")[2]
    assert completed.status == 422, completed
    assert completed.json()["error"]["code"] == "schema_violation"
    assert client.call("GET", "/v1/objects/preferences.json").status == 404


def test_other_names_are_not_validated(server):
    completed = signed_in(server).upload("notes.json", b'{"anything": 1}', "application/json")[2]
    assert completed.status == 200, completed


def test_configured_schema_replaces_default():
    schema = {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
              "properties": {"volume": {"type": "integer", "maximum": 11}},
              "required": ["volume"], "additionalProperties": False}
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "schema.json")
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(schema, handle)
        server = Server(env={"SATCHEL_API_PREFERENCES_SCHEMA_FILE": path}).start()
        try:
            client = signed_in(server)
            assert client.call("GET", "/v1/schemas/preferences").json() == schema
            ok = client.upload("preferences.json", b'{"volume": 11}', "application/json")[2]
            assert ok.status == 200, ok
            loud = client.upload("preferences.json", b'{"volume": 12}', "application/json")[2]
            assert loud.status == 422, loud
            assert loud.json()["error"]["path"] == "/volume"
            default = client.upload("preferences.json", encode(VALID), "application/json")[2]
            assert default.status == 422, default
        finally:
            server.cleanup()


@pytest.mark.parametrize("text", ['{"type": "object", "minProperties": "many"}', "not json",
                                  '{"$schema": "https://json-schema.org/draft/2020-12/schema"}'])
def test_invalid_schema_file_stops_start_up(text):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "broken-schema.json")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        server = Server(env={"SATCHEL_API_PREFERENCES_SCHEMA_FILE": path})
        try:
            with pytest.raises(RuntimeError) as failure:
                server.start()
            assert "broken-schema.json" in str(failure.value)
            assert server.process.returncode != 0
        finally:
            server.cleanup()
