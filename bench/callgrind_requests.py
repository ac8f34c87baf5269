#!/usr/bin/env python3
"""Counts the instructions `satchel serve` executes per API request and for
one start-up, under valgrind's callgrind, which makes the figures independent
of the machine's load (wall-clock rates are not).

  callgrind_requests.py SATCHEL OUT_DIR [--requests=N] [--warmup=N] [--parts=requests,start]

Starts the server with the development OpenID provider on free 127.0.0.1
ports, in a new data folder under OUT_DIR, mints tokens for 20 users with
`satchel token`, and for each route (POST /presign/upload and
POST /v1/uploads) sends --warmup requests, then --requests more with
collection switched on (callgrind_control -i on), over one keep-alive
connection. Every response must have the route's success status. A second
run measures the start-up: the server starts again on the same data folder
and is stopped once /healthz returns 200, and all of that run is counted.

Prints "ROUTE instructions_per_request=N" per route and
"START instructions=N", and leaves the callgrind files in OUT_DIR for
callgrind_annotate. Both runs count every thread, including the worker pool
that writes the audit events, so the audit batching shows in the figures.
"""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

USERS = 20
START_DEADLINE_SECONDS = 120


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def healthz_ok(port):
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False


def wait_for_healthz(process, port):
    started = time.monotonic()
    while not healthz_ok(port):
        if process.poll() is not None:
            raise SystemExit(f"callgrind_requests: satchel exited with {process.returncode}")
        if time.monotonic() - started > START_DEADLINE_SECONDS:
            raise SystemExit("callgrind_requests: no 200 on /healthz within the deadline")
        time.sleep(0.05)


def total_instructions(callgrind_file):
    """Return the "totals:" count of a callgrind output file. Its "summary:" line stays 0 in
    the dumps that callgrind_control requests."""
    with open(callgrind_file) as dump:
        for line in dump:
            found = re.match(r"totals: (\d+)", line)
            if found:
                return int(found.group(1))
    raise SystemExit(f"callgrind_requests: no instruction total in {callgrind_file}")


def find_dump(out_dir, prefix, trigger):
    """Return the dump whose header names trigger, waiting for callgrind to write it."""
    started = time.monotonic()
    while time.monotonic() - started < START_DEADLINE_SECONDS:
        for name in sorted(os.listdir(out_dir)):
            if not name.startswith(prefix):
                continue
            path = os.path.join(out_dir, name)
            with open(path) as dump:
                header = dump.read(4096)
            if f"Trigger: dump {trigger}\n" in header and "\ntotals:" in open(path).read():
                return path
        time.sleep(0.1)
    raise SystemExit(f"callgrind_requests: callgrind wrote no dump {trigger}")


def callgrind_control(*args):
    subprocess.run(["callgrind_control", *args], check=True, stdout=subprocess.DEVNULL)


def send(port, requests):
    """Send (method, path, headers, body, expected status) tuples over one connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for method, path, headers, body, expected in requests:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != expected:
            raise SystemExit(f"callgrind_requests: {path} returned {response.status}")


def route_requests(route, tokens, count):
    requests = []
    for number in range(count):
        user = number % len(tokens)
        headers = {"Authorization": "Bearer " + tokens[user],
                   "Content-Type": "application/json"}
        if route == "/presign/upload":
            body = json.dumps({"filename": f"photo-{user}.jpg", "contentType": "image/jpeg"})
            requests.append(("POST", route, headers, body, 200))
        else:
            body = json.dumps({"name": f"attachments/photo-{user}.jpg",
                               "content_type": "image/jpeg", "size": 4096})
            requests.append(("POST", route, headers, body, 201))
    return requests


def main():
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    options = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--"))
    if len(arguments) != 2:
        raise SystemExit(__doc__)
    satchel, out_dir = arguments
    measured = int(options.get("requests", 2000))
    parts = options.get("parts", "requests,start").split(",")
    warmup = int(options.get("warmup", 200))
    os.makedirs(out_dir, exist_ok=True)
    api_port, store_port = free_port(), free_port()
    data_dir = os.path.join(out_dir, "data")
    config = os.path.join(out_dir, "satchel.toml")
    with open(config, "w") as file:
        file.write(f'data_dir = "{data_dir}"\n\n[server]\nlisten = "127.0.0.1:{api_port}"\n\n'
                   f'[api]\npresign_burst = 1000000\npresign_per_second = 1000000\n\n'
                   f'[store]\nlisten = "127.0.0.1:{store_port}"\n')
    serve = [satchel, "serve", "--config", config]
    # Uninstrumented until callgrind_control -i on, which also makes the warm-up fast.
    valgrind = ["valgrind", "--tool=callgrind", "--instr-atstart=no"]

    requests_prefix = "callgrind.requests."
    if "requests" in parts:
        measure_requests(serve, valgrind, out_dir, requests_prefix, api_port, data_dir, satchel,
                         warmup, measured)
    if "start" in parts:
        measure_start(serve, out_dir, api_port)


def measure_requests(serve, valgrind, out_dir, requests_prefix, api_port, data_dir, satchel,
                     warmup, measured):
    process = subprocess.Popen(
        valgrind + [f"--callgrind-out-file={out_dir}/{requests_prefix}%p"] + serve,
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(out_dir, "requests.log"), "w"))
    try:
        wait_for_healthz(process, api_port)
        tokens = [subprocess.run([satchel, "token", "--user", f"user-{n}", "--org", "acme",
                                  "--data-dir", data_dir, "--listen", f"127.0.0.1:{api_port}"],
                                 check=True, capture_output=True, text=True).stdout.strip()
                  for n in range(USERS)]
        for route in ("/presign/upload", "/v1/uploads"):
            send(api_port, route_requests(route, tokens, warmup))
            callgrind_control("-z", str(process.pid))
            callgrind_control("-i", "on", str(process.pid))
            send(api_port, route_requests(route, tokens, measured))
            # The audit batch of the last requests is written within milliseconds.
            time.sleep(0.5)
            callgrind_control("-i", "off", str(process.pid))
            trigger = route.strip("/").replace("/", "_")
            callgrind_control("-d", trigger, str(process.pid))
            dump = find_dump(out_dir, requests_prefix, trigger)
            print(f"{route} instructions_per_request={total_instructions(dump) // measured}",
                  flush=True)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait()


def measure_start(serve, out_dir, api_port):
    start_file = os.path.join(out_dir, "callgrind.start")
    process = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={start_file}"] + serve,
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(out_dir, "start.log"), "w"))
    try:
        wait_for_healthz(process, api_port)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait()
    print(f"START instructions={total_instructions(start_file)}")


if __name__ == "__main__":
    main()
