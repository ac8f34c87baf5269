#!/usr/bin/env python3
"""Measures the cold start of `satchel serve`: the time from spawning the
process to the first 200 response on /healthz, over an existing data folder.

  cold_start.py RUNS API_HOST:PORT -- SATCHEL ARGS...

Each run spawns the server, polls /healthz over a raw socket every 0.2 ms
until it returns 200, records the time, then stops the server with SIGTERM
and waits for it to exit. Prints every time and then
"COLD min=MS median=MS max=MS runs=N".
"""

import signal
import socket
import statistics
import subprocess
import sys
import time

POLL_INTERVAL_SECONDS = 0.0002
DEADLINE_SECONDS = 20
REQUEST = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


def healthz_ok(host, port):
    try:
        with socket.create_connection((host, port), timeout=1) as connection:
            connection.sendall(REQUEST)
            reply = connection.recv(64)
            return reply.startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def one_run(command, host, port):
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not healthz_ok(host, port):
            if process.poll() is not None:
                raise SystemExit(f"cold_start: satchel serve exited with {process.returncode}")
            if time.perf_counter() - start > DEADLINE_SECONDS:
                raise SystemExit("cold_start: no 200 on /healthz within the deadline")
            time.sleep(POLL_INTERVAL_SECONDS)
        return (time.perf_counter() - start) * 1000
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main():
    if len(sys.argv) < 5 or sys.argv[3] != "--":
        raise SystemExit(__doc__)
    runs = int(sys.argv[1])
    host, port = sys.argv[2].rsplit(":", 1)
    command = sys.argv[4:]
    times = []
    for _ in range(runs):
        elapsed = one_run(command, host, int(port))
        times.append(elapsed)
        print(f"{elapsed:.2f} ms", flush=True)
    print(f"COLD min={min(times):.2f} median={statistics.median(times):.2f} "
          f"max={max(times):.2f} runs={runs}")


if __name__ == "__main__":
    main()
