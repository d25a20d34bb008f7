"""The embedded PostgreSQL that Sila starts when no ``DATABASE_URL`` is given.

It is the `pgserver` package's PostgreSQL 16, with its data under ``.sila/pgdata`` in the
checkout, reached over a unix socket (no TCP port, so it never collides with a system server).
Each process that connects registers itself with pgserver; the last one to exit stops the server,
so ``make demo`` and ``make test`` leave nothing running behind them.
"""

from __future__ import annotations

import os
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parents[2]
STATE_DIR = Path(os.environ.get("SILA_STATE_DIR", BASE_DIR / ".sila"))
PGDATA = STATE_DIR / "pgdata"
DATABASE_NAME = os.environ.get("SILA_DB_NAME", "sila")
USER = "postgres"
# About 45 tables an association: max_locks_per_transaction x max_connections (100) must hold them
# all for a whole-database pg_dump. 1024 covers about 2,200 associations; the scale harness at 5,000
# sets SILA_PG_MAX_LOCKS=4096 (docs/scale.md).
MAX_LOCKS_PER_TRANSACTION = int(os.environ.get("SILA_PG_MAX_LOCKS", "1024"))
# PostgreSQL's default buffer cache (128MB) suits the demo; thousands of schemas' catalogue (about
# 0.7 MiB an association) and their tables want more: the scale harness sets SILA_PG_SHARED_BUFFERS.
SHARED_BUFFERS = os.environ.get("SILA_PG_SHARED_BUFFERS", "")

_lock = threading.Lock()
_server: Any = None


@dataclass(frozen=True)
class EmbeddedServer:
    socket_dir: str
    user: str = USER


def _socket_dir_from_uri(uri: str) -> str:
    # pgserver answers postgresql://postgres:@/postgres?host=<socket dir>
    return uri.split("host=", 1)[1].split("&", 1)[0]


def ensure_running(*, keep_running: bool = False) -> EmbeddedServer:
    """Start (or attach to) the embedded server and make sure Sila's database exists."""
    global _server
    with _lock:
        if _server is None:
            with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
                warnings.simplefilter("ignore")
                from pgserver import get_server  # imported lazily: only the embedded path needs it

            STATE_DIR.mkdir(parents=True, exist_ok=True)
            _server = get_server(PGDATA, cleanup_mode=None if keep_running else "stop")
            server = EmbeddedServer(socket_dir=_socket_dir_from_uri(_server.get_uri()))
            _ensure_database(server, DATABASE_NAME)
        return EmbeddedServer(socket_dir=_socket_dir_from_uri(_server.get_uri()))


def _ensure_database(server: EmbeddedServer, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        host=server.socket_dir, user=server.user, dbname="postgres", autocommit=True
    ) as conn:
        # One transaction may lock every table of every association: pg_dump of the whole database
        # does, and the default lock table (64 per connection) runs out near 150 associations.
        # ALTER SYSTEM takes effect at the server's next start (docs/scale.md).
        locks = conn.execute("SELECT setting::int FROM pg_settings WHERE name = 'max_locks_per_transaction'")
        row = locks.fetchone()
        if row is not None and row[0] < MAX_LOCKS_PER_TRANSACTION:
            conn.execute(f"ALTER SYSTEM SET max_locks_per_transaction = {MAX_LOCKS_PER_TRANSACTION}")
        if SHARED_BUFFERS:
            # A size such as 1GB, from the environment of whoever starts the server (make scale).
            conn.execute(sql.SQL("ALTER SYSTEM SET shared_buffers = {}").format(sql.Literal(SHARED_BUFFERS)))
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def stop() -> bool:
    """Stop the embedded server if it runs. Returns whether one was running."""
    import subprocess

    pid_file = PGDATA / "postmaster.pid"
    if not pid_file.exists():
        return False
    from pgserver._commands import pg_ctl  # type: ignore[attr-defined]  # runs as pgserver's user

    try:
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=PGDATA, user=_system_user())
    except subprocess.CalledProcessError:
        return False
    handles = PGDATA / ".handle_pids.json"
    if handles.exists():
        handles.unlink()
    return True


def _system_user() -> str | None:
    # pgserver runs PostgreSQL as a separate system user when we are root (postgres refuses root).
    return "pgserver" if hasattr(os, "geteuid") and os.geteuid() == 0 else None


def is_running() -> bool:
    pid_file = PGDATA / "postmaster.pid"
    if not pid_file.exists():
        return False
    try:
        pid = int(pid_file.read_text().split("\n", 1)[0])
        os.kill(pid, 0)
    except (ValueError, ProcessLookupError, PermissionError):
        return False
    return True
