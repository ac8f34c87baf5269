"""Master key rotation of the embedded store with the `satchel keys` commands
beside a running server. Objects uploaded under the first key stay readable
while the server rewraps their data keys. The old key can be retired once no
data file needs it."""

import datetime
import json
import os
import re
import subprocess
import threading
import time

from satchel_harness import SATCHEL_BINARY, Client, Server, sign_in

STATUS_LINE = re.compile(r"^(\S+)( \(current\))? created \S+: (\d+) data files$")
REWRAP_TIMEOUT_SECONDS = 60


def keys(server, *args):
    return subprocess.run([SATCHEL_BINARY, "keys", *args, "--data-dir", server.data_dir],
                          capture_output=True, text=True, timeout=60)


def key_status(server):
    """Maps each key id of `satchel keys status` to (data files, current)."""
    status = keys(server, "status")
    assert status.returncode == 0, status.stderr
    keys_by_id = {}
    for line in status.stdout.splitlines():
        match = STATUS_LINE.match(line)
        if match:
            keys_by_id[match.group(1)] = (int(match.group(3)), match.group(2) is not None)
    return keys_by_id


def backdate_key(server, key_id, minutes):
    """Moves a key's creation time back, as if it had been added earlier. The
    file is replaced whole with mode 0600, as `satchel keys` writes it."""
    path = os.path.join(server.data_dir, "store", "master-keys.json")
    with open(path, encoding="utf-8") as handle:
        key_file = json.load(handle)
    for key in key_file["keys"]:
        if key["id"] == key_id:
            created = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(
                minutes=minutes)
            key["created"] = created.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    temporary = path + ".test"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(key_file, handle)
    os.replace(temporary, path)


def test_rotation_rewraps_and_retires_while_serving():
    # The reader below presigns far more often than the default rate limit allows.
    server = Server(env={"SATCHEL_STORE_KEY_CHECK_INTERVAL_SECONDS": "1",
                         "SATCHEL_API_PRESIGN_PER_SECOND": "1000",
                         "SATCHEL_API_PRESIGN_BURST": "1000"}).start()
    try:
        client = Client(server, sign_in(server, "alice", "acme")["id_token"])
        # Sizes around the encryption segment size, so multi-segment files are rewrapped too.
        objects = {f"rotate/{i}.bin": os.urandom(size)
                   for i, size in enumerate([0, 1, 65535, 65536, 65537, 300_000, 1_000_000])}
        for name, data in objects.items():
            assert client.upload(name, data)[2].status == 200, name

        before = key_status(server)
        assert len(before) == 1, before
        [(old_key, (old_files, old_current))] = before.items()
        assert old_current
        assert old_files >= len(objects)

        # A reader keeps downloading through the rotation and records any wrong reply.
        stop = threading.Event()
        problems = []
        reads = []

        def read_all():
            reader = Client(server, client.token)
            while not stop.is_set():
                for name, data in objects.items():
                    fetched = reader.download(name)
                    if fetched.status != 200 or fetched.body != data:
                        problems.append((name, fetched.status))
                    reads.append(name)

        reader = threading.Thread(target=read_all)
        reader.start()
        try:
            rotated = keys(server, "rotate")
            assert rotated.returncode == 0, rotated.stderr
            new_key = re.search(r"added master key (\S+)", rotated.stdout).group(1)
            assert new_key != old_key

            deadline = time.monotonic() + REWRAP_TIMEOUT_SECONDS
            status = key_status(server)
            while status.get(old_key, (0, False))[0] > 0 and time.monotonic() < deadline:
                time.sleep(0.2)
                status = key_status(server)
        finally:
            stop.set()
            reader.join()
        assert status[old_key] == (0, False), status
        assert status[new_key][1]
        assert status[new_key][0] >= len(objects)
        assert problems == []
        assert len(reads) >= len(objects)

        # The new key is younger than two minutes, so a server that has not reread the key
        # file could still write under the old one.
        too_soon = keys(server, "retire", "--key-id", old_key)
        assert too_soon.returncode == 1
        assert "less than 2 minutes old" in too_soon.stderr
        assert old_key in key_status(server)

        backdate_key(server, new_key, minutes=10)
        still_used = keys(server, "retire", "--key-id", new_key)
        assert still_used.returncode == 1
        assert f"data files still need key '{new_key}'" in still_used.stderr
        retired = keys(server, "retire", "--key-id", old_key)
        assert retired.returncode == 0, retired.stderr
        assert list(key_status(server)) == [new_key]

        server.stop()
        server.start()
        restarted = Client(server, client.token)
        for name, data in objects.items():
            assert restarted.download(name).body == data, name
    finally:
        server.cleanup()
