"""Content checks of complete over HTTP: bytes that are not the image type
they claim get 415 and are never committed, and an avatar is replaced by a
256x256 thumbnail without EXIF data, made by the server with libvips."""

import hashlib

from satchel_harness import Client, Server, sign_in
from upload_check_helpers import (image_fields, jpeg_with_gps, make_image,
                                  store_get_version)


def signed_in(server):
    return Client(server, sign_in(server, "alice", "acme")["id_token"])


def assert_rejected(server, client, name, data, content_type, code):
    """Uploads and checks that complete rejects with 415 and code, that no
    record exists, and that the store no longer has the uploaded version."""
    started, put, completed = client.upload(name, data, content_type)
    assert put.status == 200, put
    assert completed.status == 415, completed
    assert completed.json()["error"]["code"] == code
    assert client.call("GET", "/v1/objects/" + name).status == 404
    assert client.call("GET", "/v1/objects").json()["objects"] == []
    version = put.header("x-amz-version-id")
    assert store_get_version(server, started.json()["key"], version).status == 404
    return completed.json()["error"]


def test_png_declared_as_jpeg_is_rejected(server):
    client = signed_in(server)
    error = assert_rejected(server, client, "photos/beach.jpg", make_image(".png", 40, 30),
                            "image/jpeg", "content_type_mismatch")
    assert error["declared_type"] == "image/jpeg"
    assert error["detected_type"] == "image/png"


def test_text_declared_as_png_is_rejected(server):
    client = signed_in(server)
    error = assert_rejected(server, client, "photos/fake.png", b"just some text\n",
                            "image/png", "content_type_mismatch")
    assert error["detected_type"] == "text/plain"


def test_html_declared_as_pdf_is_rejected(server):
    client = signed_in(server)
    assert_rejected(server, client, "report.pdf",
                    b"<!DOCTYPE html><html><script>alert(1)</script></html>",
                    "application/pdf", "content_type_mismatch")


def test_matching_image_is_committed(server):
    client = signed_in(server)
    png = make_image(".png", 40, 30)
    completed = client.upload("photos/beach.png", png, "image/png")[2]
    assert completed.status == 200, completed
    assert client.download("photos/beach.png").body == png


def test_unsniffed_type_is_committed_as_is(server):
    client = signed_in(server)
    completed = client.upload("notes.txt", b"\x89PNG but declared text", "text/plain")[2]
    assert completed.status == 200, completed


def test_avatar_becomes_thumbnail_without_exif(server):
    client = signed_in(server)
    original = jpeg_with_gps(640, 480)
    # Guards the checks below: the upload really carries GPS tags.
    assert "exif-ifd3-GPSLatitude" in image_fields(original)

    started, put, completed = client.upload("avatar", original, "image/jpeg")
    assert completed.status == 200, completed
    record = completed.json()
    assert record["name"] == "avatar"
    assert record["content_type"] == "image/jpeg"

    thumbnail = client.download("avatar").body
    assert thumbnail != original
    assert record["size"] == len(thumbnail)
    assert record["sha256"] == hashlib.sha256(thumbnail).hexdigest()
    fields = image_fields(thumbnail)
    assert fields["width"] == "256"
    assert fields["height"] == "256"
    assert not [name for name in fields if name.startswith("exif")]
    assert "xmp-data" not in fields
    # The original, EXIF and all, is gone from the store, not just hidden.
    assert store_get_version(server, started.json()["key"],
                             put.header("x-amz-version-id")).status == 404
    assert client.call("GET", "/v1/objects/avatar.original").status == 404


def test_png_avatar_with_alpha_stays_png(server):
    client = signed_in(server)
    completed = client.upload("avatar", make_image(".png", 300, 100, bands=4), "image/png")[2]
    assert completed.status == 200, completed
    assert completed.json()["content_type"] == "image/png"
    fields = image_fields(client.download("avatar").body)
    assert (fields["width"], fields["height"]) == ("256", "256")


def test_webp_and_gif_avatars_are_accepted(server):
    client = signed_in(server)
    for suffix, content_type in ((".webp", "image/webp"), (".gif", "image/gif")):
        completed = client.upload("avatar", make_image(suffix, 64, 64), content_type)[2]
        assert completed.status == 200, (suffix, completed)


def test_damaged_avatar_is_rejected(server):
    client = signed_in(server)
    jpeg = make_image(".jpg", 640, 480)
    damaged = jpeg[:len(jpeg) // 3]
    assert_rejected(server, client, "avatar", damaged, "image/jpeg", "undecodable_image")


def test_avatar_of_another_type_is_rejected(server):
    client = signed_in(server)
    error = assert_rejected(server, client, "avatar", b"<svg xmlns='http://www.w3.org/2000/svg'/>",
                            "image/svg+xml", "unsupported_media_type")
    assert "image/jpeg" in error["message"]


def test_failed_avatar_keeps_previous_one(server):
    client = signed_in(server)
    first = client.upload("avatar", jpeg_with_gps(320, 320), "image/jpeg")[2]
    assert first.status == 200, first
    before = client.download("avatar").body
    rejected = client.upload("avatar", make_image(".png", 20, 20), "image/jpeg")[2]
    assert rejected.status == 415, rejected
    assert client.download("avatar").body == before


def test_avatar_original_kept_when_configured():
    server = Server(env={"SATCHEL_API_KEEP_AVATAR_ORIGINAL": "true"}).start()
    try:
        client = signed_in(server)
        original = jpeg_with_gps(500, 400)
        completed = client.upload("avatar", original, "image/jpeg")[2]
        assert completed.status == 200, completed
        kept = client.call("GET", "/v1/objects/avatar.original")
        assert kept.status == 200, kept
        assert kept.json()["size"] == len(original)
        assert client.download("avatar.original").body == original
        fields = image_fields(client.download("avatar").body)
        assert (fields["width"], fields["height"]) == ("256", "256")
        assert not [name for name in fields if name.startswith("exif")]
    finally:
        server.cleanup()
