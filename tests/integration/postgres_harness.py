"""Starts a private PostgreSQL server for integration tests.

The cluster is made with initdb in a temporary directory and listens only on
a Unix socket inside it, so it needs no TCP port and cannot clash with
another server. PostgreSQL refuses to run as root, so as root the cluster
belongs to the "postgres" user that Debian's package creates and every
server command runs through runuser. A missing installation raises, so a
test that needs PostgreSQL fails instead of skipping.
"""

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
import urllib.parse

DEBIAN_POSTGRES_ROOT = "/usr/lib/postgresql"
SERVER_USER = "postgres"
SUPERUSER = "satchel"
# The data is thrown away afterwards, so durability settings are off to make
# the tests faster.
SERVER_OPTIONS = ("-c listen_addresses='' -c fsync=off -c synchronous_commit=off "
                  "-c full_page_writes=off -c max_connections=200")


def find_bin_dir():
    configured = os.environ.get("SATCHEL_POSTGRES_BIN")
    if configured:
        return configured
    candidates = [os.path.dirname(path) for path in
                  glob.glob(os.path.join(DEBIAN_POSTGRES_ROOT, "*", "bin", "initdb"))]
    if not candidates:
        raise RuntimeError(
            f"no PostgreSQL server binaries (bin/initdb) under {DEBIAN_POSTGRES_ROOT}. Install "
            "the postgresql package (scripts/install-deps --test) or set SATCHEL_POSTGRES_BIN.")
    # Version folders are numbers ("15", "16"): the longest, then the largest.
    return max(candidates, key=lambda path: (len(path), path))


class PostgresServer:
    """One private PostgreSQL server. Call start(), then create_database()
    for each test's database, and stop() at the end."""

    _database_numbers = itertools.count(1)

    def __init__(self):
        self.bin_dir = find_bin_dir()
        self.directory = tempfile.mkdtemp(prefix="satchel-pg-")
        self.as_postgres = os.geteuid() == 0
        self.running = False

    @property
    def data_dir(self):
        return os.path.join(self.directory, "data")

    def _run(self, step, command):
        if self.as_postgres:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,
                                text=True)
        if result.returncode != 0:
            raise RuntimeError(f"{step} failed with status {result.returncode}:\n"
                               f"{result.stdout}{result.stderr}")
        return result.stdout

    def start(self):
        if self.as_postgres:
            try:
                user = pwd.getpwnam(SERVER_USER)
            except KeyError as error:
                raise RuntimeError(
                    f"running as root, but there is no {SERVER_USER!r} user to own the "
                    "PostgreSQL cluster. Install the postgresql package, which creates it."
                ) from error
            os.chown(self.directory, user.pw_uid, user.pw_gid)
        self._run("initdb", [os.path.join(self.bin_dir, "initdb"), "--pgdata", self.data_dir,
                             "--username", SUPERUSER, "--auth", "trust", "--encoding", "UTF8",
                             "--locale", "C", "--no-sync"])
        self._run("pg_ctl start", [
            os.path.join(self.bin_dir, "pg_ctl"), "start", "--wait", "--pgdata", self.data_dir,
            "--log", os.path.join(self.directory, "server.log"),
            "--options", f"-k {self.directory} {SERVER_OPTIONS}"])
        self.running = True
        return self

    def create_database(self):
        """Creates an empty database and returns its postgresql:// URL."""
        name = f"satchel_it_{os.getpid()}_{next(self._database_numbers)}"
        self.psql("postgres", f"CREATE DATABASE {name}")
        return self.database_url(name)

    def database_url(self, name):
        host = urllib.parse.quote(self.directory, safe="")
        return f"postgresql:///{name}?host={host}&user={SUPERUSER}"

    def psql(self, database, sql):
        """Runs SQL with psql and returns its unaligned, tuples-only output."""
        command = [os.path.join(self.bin_dir, "psql"), "--no-psqlrc", "--quiet",
                   "--tuples-only", "--no-align", "--set", "ON_ERROR_STOP=1",
                   "--host", self.directory, "--username", SUPERUSER, "--dbname", database,
                   "--command", sql]
        result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,
                                text=True)
        if result.returncode != 0:
            raise RuntimeError(f"psql failed: {result.stderr}")
        return result.stdout.strip()

    def stop(self):
        if self.running:
            self._run("pg_ctl stop", [os.path.join(self.bin_dir, "pg_ctl"), "stop", "--wait",
                                      "--pgdata", self.data_dir, "--mode", "fast"])
            self.running = False
        shutil.rmtree(self.directory, ignore_errors=True)
