"""SIGTERM while uploads are in flight: the server stops accepting, lets
every upload finish within the deadline, and exits 0."""

import http.client
import os
import signal
import socket
import threading
import time
import urllib.parse

from satchel_harness import Client, Server, sign_in

UPLOAD_BYTES = 256 * 1024
CHUNK_BYTES = 16 * 1024
CHUNK_PAUSE_SECONDS = 0.1  # 16 chunks: each upload takes about 1.6 s


def slow_put(ticket, data, results, index, started):
    """PUTs the bytes in small chunks with pauses, so the upload is still
    running when the signal arrives."""
    url = urllib.parse.urlsplit(ticket["url"])
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    connection.putrequest("PUT", url.path + "?" + url.query)
    for name, value in ticket["headers"].items():
        connection.putheader(name, value)
    connection.putheader("Content-Length", str(len(data)))
    connection.endheaders()
    started.release()
    for offset in range(0, len(data), CHUNK_BYTES):
        connection.send(data[offset:offset + CHUNK_BYTES])
        time.sleep(CHUNK_PAUSE_SECONDS)
    response = connection.getresponse()
    results[index] = (response.status, response.read())
    connection.close()


def test_sigterm_lets_uploads_in_flight_finish():
    server = Server(env={"SATCHEL_SERVER_SHUTDOWN_TIMEOUT_SECONDS": "20"}).start()
    try:
        client = Client(server, sign_in(server, "alice", "acme")["id_token"])
        uploads = []
        for index in range(4):
            data = os.urandom(UPLOAD_BYTES)
            ticket = client.call("POST", "/v1/uploads",
                                 {"name": f"big-{index}.bin", "size": len(data),
                                  "content_type": "application/octet-stream"}).json()
            uploads.append((ticket, data))
        results = [None] * len(uploads)
        started = threading.Semaphore(0)
        threads = [threading.Thread(target=slow_put, args=(ticket, data, results, index, started))
                   for index, (ticket, data) in enumerate(uploads)]
        for thread in threads:
            thread.start()
        for _ in threads:
            started.acquire()
        time.sleep(0.3)  # every upload is partway through its body
        server.process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()

        time.sleep(0.3)
        try:
            socket.create_connection(("127.0.0.1", server.api_port), timeout=1).close()
            refused = False
        except OSError:
            refused = True
        assert refused, "the API still accepts connections after SIGTERM"

        for thread in threads:
            thread.join(timeout=30)
        assert [status for status, _ in results] == [200] * len(uploads), results
        assert server.process.wait(timeout=20) == 0
        assert time.monotonic() - signalled < 20
        log = server.log()
        assert "shutting down" in log
        assert "all requests finished" in log
        assert "satchel stopped" in log

        # After a restart every upload completes with all of its bytes.
        server.start()
        for ticket, data in uploads:
            completed = client.call("POST", f"/v1/uploads/{ticket['upload_id']}/complete")
            assert completed.status == 200, completed
            assert completed.json()["size"] == len(data)
        assert client.download("big-0.bin").body == uploads[0][1]
    finally:
        server.cleanup()


def test_sigterm_on_idle_server_exits_at_once():
    server = Server().start()
    try:
        keep_alive = socket.create_connection(("127.0.0.1", server.api_port), timeout=5)
        keep_alive.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        keep_alive.recv(4096)
        signalled = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=10) == 0
        # The idle keep-alive connection did not hold the shutdown for the
        # whole deadline.
        assert time.monotonic() - signalled < 5
        keep_alive.close()
    finally:
        server.cleanup()
