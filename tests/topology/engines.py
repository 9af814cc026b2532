"""Engines a test starts on this machine, in a temporary folder, on free ports:
PgBouncer, a PostgreSQL primary and its streaming replica, Redis. Each is a
context manager that stops what it started and removes its files.

PostgreSQL and PgBouncer refuse to run as root: when the test runs as root they
run as the ``postgres`` OS user (``runuser``), their folder handed to it."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PG_BIN = Path(os.environ.get("DOORSTEP_PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, *, timeout: float = 30, process=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process on port {port} exited ({process.returncode})")
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port), timeout=0.5),
        ):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def _as_postgres(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def _hand_to_postgres(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


def pgbouncer_available() -> bool:
    return shutil.which("pgbouncer") is not None


@dataclass
class Pgbouncer:
    port: int
    folder: Path
    process: subprocess.Popen

    def log(self) -> str:
        path = self.folder / "pgbouncer.log"
        return path.read_text() if path.exists() else ""


@contextlib.contextmanager
def pgbouncer(
    *, server_port: int = 5432, pool_size: int = 4, user: str = "postgres"
) -> Iterator[Pgbouncer]:
    """PgBouncer in transaction mode in front of 127.0.0.1:``server_port``
    (every database, trust authentication), on a free port."""
    folder = Path(tempfile.mkdtemp(prefix="doorstep-pgbouncer-"))
    port = free_port()
    (folder / "userlist.txt").write_text(f'"{user}" ""\n')
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host=127.0.0.1 port={server_port}\n"
        "[pgbouncer]\n"
        "listen_addr = 127.0.0.1\n"
        f"listen_port = {port}\n"
        "unix_socket_dir =\n"
        "auth_type = trust\n"
        f"auth_file = {folder / 'userlist.txt'}\n"
        "pool_mode = transaction\n"
        f"default_pool_size = {pool_size}\n"
        "max_client_conn = 200\n"
        # Server connections are handed out in turn, so consecutive
        # transactions of one client land on different ones.
        "server_round_robin = 1\n"
        "ignore_startup_parameters = extra_float_digits\n"
        f"logfile = {folder / 'pgbouncer.log'}\n"
        f"pidfile = {folder / 'pgbouncer.pid'}\n"
    )
    _hand_to_postgres(folder)
    for child in folder.iterdir():
        _hand_to_postgres(child)
    binary = shutil.which("pgbouncer") or "pgbouncer"
    command = [binary, str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:
        command = [binary, "-u", "postgres", str(folder / "pgbouncer.ini")]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        wait_for_port(port, process=process)
        yield Pgbouncer(port=port, folder=folder, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Postgres:
    port: int
    data: Path

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"


def _pg_ctl_stop(data: Path) -> None:
    subprocess.run(
        _as_postgres(
            [str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]
        ),
        capture_output=True,
        check=False,
        timeout=60,
    )


@contextlib.contextmanager
def postgres_primary_and_replica() -> Iterator[tuple[Postgres, Postgres]]:
    """A PostgreSQL primary (initdb, trust, replication allowed) and a streaming
    replica of it (``pg_basebackup -R -X stream``), each on a free port."""
    root = Path(tempfile.mkdtemp(prefix="doorstep-pg-"))
    _hand_to_postgres(root)
    primary = Postgres(port=free_port(), data=root / "primary")
    replica = Postgres(port=free_port(), data=root / "replica")
    started: list[Path] = []

    def run(command: list[str]) -> None:
        subprocess.run(
            _as_postgres(command), check=True, capture_output=True, timeout=120
        )

    try:
        run(
            [
                str(PG_BIN / "initdb"),
                "-D", str(primary.data),
                "-U", "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]
        )  # fmt: skip
        with (primary.data / "postgresql.conf").open("a") as conf:
            conf.write(
                "listen_addresses = '127.0.0.1'\n"
                f"port = {primary.port}\n"
                f"unix_socket_directories = '{root}'\n"
                "wal_level = replica\n"
                "max_wal_senders = 4\n"
                "fsync = off\n"
                "synchronous_commit = off\n"
                "full_page_writes = off\n"
                "shared_buffers = 64MB\n"
                "max_connections = 100\n"
            )
        with (primary.data / "pg_hba.conf").open("a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")
        log = root / "primary.log"
        run([str(PG_BIN / "pg_ctl"), "-D", str(primary.data), "-l", str(log), "-w",
             "start"])  # fmt: skip
        started.append(primary.data)
        run(
            [
                str(PG_BIN / "pg_basebackup"),
                "-h", "127.0.0.1",
                "-p", str(primary.port),
                "-U", "postgres",
                "-D", str(replica.data),
                "-R",
                "-X", "stream",
                "--no-sync",
            ]
        )  # fmt: skip
        run(
            [
                str(PG_BIN / "pg_ctl"),
                "-D", str(replica.data),
                "-l", str(root / "replica.log"),
                "-o", f"-p {replica.port}",
                "-w",
                "start",
            ]
        )  # fmt: skip
        started.append(replica.data)
        yield primary, replica
    finally:
        for data in reversed(started):
            _pg_ctl_stop(data)
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Redis:
    port: int

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"


@contextlib.contextmanager
def redis_server() -> Iterator[Redis]:
    """A fresh ``redis-server`` on a free port, nothing persisted."""
    folder = Path(tempfile.mkdtemp(prefix="doorstep-redis-"))
    port = free_port()
    process = subprocess.Popen(
        [
            shutil.which("redis-server") or "redis-server",
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(folder),
        ],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port, process=process)
        yield Redis(port=port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)
