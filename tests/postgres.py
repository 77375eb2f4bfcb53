"""A throwaway PostgreSQL cluster for the tests: initdb in a temporary folder, listening on
127.0.0.1 only, removed after the run.

The server binaries (``initdb``, ``pg_ctl``) are those of Debian's ``postgresql`` package, found in
``/usr/lib/postgresql/*/bin`` or through ``pg_config``. Without them the PostgreSQL tests skip
with the reason, except where ``GRUNDLAGBOT_REQUIRE_POSTGRES`` is set (``.ci/run`` sets it): there
they fail, so that CI never passes without having run them. initdb refuses to run as root; as root
the cluster is made and run by the ``postgres`` user.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REQUIRE = "GRUNDLAGBOT_REQUIRE_POSTGRES"


class NoPostgres(Exception):
    """No PostgreSQL server could be started here; the message says why."""


def server_binaries() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    if pg_config := shutil.which("pg_config"):
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidates.insert(0, found.stdout.strip())
    return next((Path(c) for c in candidates if c and (Path(c) / "initdb").exists()), None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """A running cluster; :meth:`database` makes a new empty database and returns its URL."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.port = _free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="grundlagbot-pg-"))
        self.folder.chmod(0o777)  # the postgres user makes its data folder in it
        self._names = itertools.count(1)
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *cmd: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self._as, *cmd], capture_output=True, text=True, timeout=120, check=False)

    def start(self) -> None:
        data = str(self.folder / "data")
        made = self._run(
            str(self.bindir / "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8"
        )
        if made.returncode != 0:
            raise NoPostgres(f"initdb failed: {made.stderr.strip()[-300:]}")
        options = f"-p {self.port} -k {self.folder} -h 127.0.0.1 -c fsync=off"
        log = str(self.folder / "server.log")
        started = self._run(str(self.bindir / "pg_ctl"), "-D", data, "-l", log, "-w", "-o", options, "start")
        if started.returncode != 0:
            raise NoPostgres(f"pg_ctl start failed: {started.stderr.strip()[-300:]}")

    def stop(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def database(self) -> str:
        name = f"test_{next(self._names)}"
        psql = [str(self.bindir / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
        made = subprocess.run(
            [*psql, "-c", f"CREATE DATABASE {name}"], capture_output=True, text=True, check=False
        )
        if made.returncode != 0:
            raise NoPostgres(f"CREATE DATABASE failed: {made.stderr.strip()}")
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"


@contextmanager
def cluster() -> Iterator[Cluster]:
    bindir = server_binaries()
    if bindir is None:
        raise NoPostgres("no PostgreSQL server binaries (initdb) in /usr/lib/postgresql/*/bin or pg_config's")
    running = Cluster(bindir)
    try:
        running.start()
        yield running
    finally:
        running.stop()
