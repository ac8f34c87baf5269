"""Helpers of the upload content tests: test images made with the vips
command-line tools (libvips-tools), EXIF with GPS tags built by hand, and a
direct look into the store for versions the API should have deleted."""

import os
import shutil
import struct
import subprocess
import tempfile
import urllib.parse

from satchel_harness import presign, request, utc_now


def vips_tool(name):
    """Returns the path of a libvips command, failing when it is missing,
    because scripts/install-deps --test installs libvips-tools."""
    path = shutil.which(name)
    assert path, f"{name} is missing; run scripts/install-deps --test"
    return path


def make_image(suffix, width, height, bands=3):
    """Returns the bytes of a black width x height image; the suffix (".jpg",
    ".png", ".gif", ".webp") picks the format."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "image" + suffix)
        subprocess.run([vips_tool("vips"), "black", path, str(width), str(height),
                        "--bands", str(bands)], check=True, capture_output=True)
        with open(path, "rb") as handle:
            return handle.read()


def exif_with_gps():
    """An EXIF block (little-endian TIFF) with one GPS IFD holding
    GPSLatitudeRef "N" and GPSLatitude 51/1 30/1 0/1. Offsets count from the
    TIFF header: IFD0 at 8, the GPS IFD at 26, the rationals at 56."""
    tiff = b"II" + struct.pack("<HI", 42, 8)
    tiff += struct.pack("<H", 1) + struct.pack("<HHII", 0x8825, 4, 1, 26) + struct.pack("<I", 0)
    tiff += struct.pack("<H", 2)
    tiff += struct.pack("<HHI", 0x0001, 2, 2) + b"N\0\0\0"
    tiff += struct.pack("<HHII", 0x0002, 5, 3, 56) + struct.pack("<I", 0)
    tiff += b"".join(struct.pack("<II", value, 1) for value in (51, 30, 0))
    return b"Exif\0\0" + tiff


def jpeg_with_gps(width=640, height=480):
    """A JPEG whose APP1 segment, right after the start-of-image marker,
    carries exif_with_gps()."""
    jpeg = make_image(".jpg", width, height)
    assert jpeg[:2] == b"\xff\xd8"
    exif = exif_with_gps()
    segment = b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif
    return jpeg[:2] + segment + jpeg[2:]


def image_fields(data):
    """Returns every metadata field vipsheader -a prints for the image, as a
    dict of name to text."""
    with tempfile.NamedTemporaryFile(suffix=".img") as handle:
        handle.write(data)
        handle.flush()
        output = subprocess.run([vips_tool("vipsheader"), "-a", handle.name], check=True,
                                capture_output=True, text=True).stdout
    fields = {}
    for line in output.splitlines():
        name, _, value = line.partition(":")
        fields[name.strip()] = value.strip()
    return fields


def store_get_version(server, key, version_id):
    """GETs one version of a key straight from the store with the store's
    own key pair, bypassing the API. Returns the reply."""
    credentials = server.store_credentials()
    # Newer harness versions name the bucket, which differs on Ceph RGW.
    bucket = getattr(server, "bucket", "satchel")
    url = f"{server.store}/{bucket}/{urllib.parse.quote(key)}"
    signed = presign("GET", url, credentials["AWS_ACCESS_KEY_ID"],
                     credentials["AWS_SECRET_ACCESS_KEY"], utc_now(), 60,
                     query={"versionId": version_id})
    return request("GET", signed, cafile=server.cafile)
