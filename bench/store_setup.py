#!/usr/bin/env python3
"""Prepares the store part of bench/run through Satchel's own API.

For each size it uploads one object (presign, PUT, complete), requests a
presigned GET of it, and requests a second presigned PUT that is never
completed, so wrk can repeat it. It writes one request file per case for
bench/replay.lua, and the same bytes under the static folder that nginx
serves, so both servers send identical files.

  store_setup.py API_URL TOKEN_FILE OUT_DIR STATIC_DIR

Object names are bench/<label>.bin; the labels and sizes are in SIZES.
"""

import http.client
import json
import os
import sys
import urllib.parse

SIZES = {"4k": 4096, "1m": 1 << 20, "256m": 256 << 20}
CONTENT_TYPE = "application/octet-stream"


def call(api, token, method, path, body=None):
    parts = urllib.parse.urlsplit(api)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    headers = {"Authorization": "Bearer " + token}
    if body is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(body)
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    if response.status not in (200, 201):
        raise SystemExit(f"store_setup: {method} {path} returned {response.status}: "
                         f"{payload[:300]!r}")
    return json.loads(payload)


def send_file(url, headers, path):
    """PUTs the file at path to a presigned URL, streaming it from disk."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=300)
    with open(path, "rb") as body:
        connection.request("PUT", parts.path + "?" + parts.query, body=body,
                           headers={**headers, "Content-Length": str(os.path.getsize(path))})
        response = connection.getresponse()
        payload = response.read()
    connection.close()
    if response.status != 200:
        raise SystemExit(f"store_setup: PUT of {path} returned {response.status}: "
                         f"{payload[:300]!r}")


def write_spec(path, method, url, expected_status, body_bytes, headers):
    """Writes a request file for bench/replay.lua."""
    parts = urllib.parse.urlsplit(url)
    with open(path, "w", encoding="ascii") as spec:
        spec.write(f"{method}\n{parts.path}?{parts.query}\n{expected_status}\n{body_bytes}\n")
        for name, value in headers.items():
            if name.lower() != "content-length":
                spec.write(f"{name}: {value}\n")


def write_url(path, url):
    with open(path, "w", encoding="ascii") as handle:
        handle.write(url + "\n")


def main():
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    api, token_file, out_dir, static_dir = sys.argv[1:]
    with open(token_file, encoding="ascii") as tokens:
        token = tokens.readline().strip()
    os.makedirs(out_dir, exist_ok=True)
    os.makedirs(static_dir, exist_ok=True)

    for label, size in SIZES.items():
        # The same bytes that replay.lua sends, so every PUT stores this file.
        data_path = os.path.join(static_dir, f"{label}.bin")
        with open(data_path, "wb") as data:
            chunk = b"x" * (1 << 20)
            remaining = size
            while remaining > 0:
                data.write(chunk[:min(remaining, len(chunk))])
                remaining -= min(remaining, len(chunk))

        name = f"bench/{label}.bin"
        ticket = call(api, token, "POST", "/v1/uploads",
                      {"name": name, "content_type": CONTENT_TYPE, "size": size})
        send_file(ticket["url"], ticket["headers"], data_path)
        call(api, token, "POST", f"/v1/uploads/{ticket['upload_id']}/complete")
        download = call(api, token, "POST", "/v1/downloads", {"name": name})
        write_spec(os.path.join(out_dir, f"get-{label}.req"), "GET", download["url"], 200, 0, {})
        write_url(os.path.join(out_dir, f"get-{label}.url"), download["url"])

        put = call(api, token, "POST", "/v1/uploads",
                   {"name": name, "content_type": CONTENT_TYPE, "size": size})
        write_spec(os.path.join(out_dir, f"put-{label}.req"), "PUT", put["url"], 200, size,
                   put["headers"])
        write_url(os.path.join(out_dir, f"put-{label}.url"), put["url"])
        with open(os.path.join(out_dir, f"put-{label}.headers"), "w", encoding="ascii") as out:
            for header_name, value in put["headers"].items():
                if header_name.lower() != "content-length":
                    out.write(f"{header_name}: {value}\n")
    print(f"store_setup: prepared {', '.join(SIZES)} in {out_dir}")


if __name__ == "__main__":
    main()
