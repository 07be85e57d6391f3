"""An embedded PostgreSQL for the demo and the tests: `pgserver` runs a real server from a wheel.

No manual install and no root restrictions. Connections go through the server's Unix socket.
A server started with `keep_running` (the demo's) outlives its process, for later commands and
the user's own queries; a server that was already running when `start` is called is used as it
is and never stopped by `stop` (another command started it). `shutdown` stops it in any case.
"""

from __future__ import annotations

import json
import logging
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql


@dataclass
class LocalPostgres:
    data_dir: Path
    server: Any = None

    def start(self, *, keep_running: bool = False) -> LocalPostgres:
        import pgserver

        # pgserver logs every pg_ctl call at INFO, and once more from an atexit hook after the
        # test runner has closed its streams: keep only its warnings.
        logging.getLogger("pgserver").setLevel(logging.WARNING)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # pgserver stops the server when its last handle in any process is cleaned up, even one it
        # found running: a server someone else started, or one meant to outlive us, is left alone.
        keep = keep_running or self.is_running()
        self.server = pgserver.get_server(str(self.data_dir), cleanup_mode=None if keep else "stop")
        return self

    @staticmethod
    def other_users(data_dir: Path) -> list[int]:
        """Live processes other than this one holding the server of `data_dir` (pgserver keeps
        their pids), e.g. `make ui` while `make demo --fresh` would delete the folder."""
        import os

        import psutil

        try:
            pids = json.loads((data_dir / ".handle_pids.json").read_text())
        except (OSError, ValueError):
            return []
        return [pid for pid in pids if pid != os.getpid() and psutil.pid_exists(pid)]

    def is_running(self) -> bool:
        """Whether a server runs on this data folder (its postmaster.pid names a live process)."""
        from pgserver.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(self.data_dir.resolve())
        return info is not None and info.is_running()

    def stop(self) -> None:
        """Stop the server, unless it is to keep running or was running before `start`."""
        if self.server is not None:
            self.server.cleanup()
            self.server = None

    def crash(self) -> None:
        """Stop every server process at once, as a crash would (`pg_ctl stop -m immediate`: no
        clean shutdown; the next start recovers from the WAL). Connections break mid-statement."""
        from pgserver.postgres_server import pg_ctl

        pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=self.server.pgdata, user=self.server.system_user)

    def restart(self) -> None:
        """Start the server again after `crash`, on the same data folder and socket."""
        from pgserver.postgres_server import find_suitable_socket_dir, pg_ctl

        server = self.server
        with server._lock:
            # Recovery from the WAL after `crash` can outlast pgserver's own 10-second start
            # timeout on a busy machine: start it here with room, on the socket pgserver uses.
            socket_dir = find_suitable_socket_dir(server.pgdata, server.runtime_path)
            pg_ctl(
                ["-w", "-t", "120", "-o", '-h ""', "-o", f"-k {socket_dir}", "-l", str(server.log), "start"],
                pgdata=server.pgdata,
                user=server.system_user,
                timeout=130,
            )
            server.ensure_postgres_running()

    def shutdown(self) -> bool:
        """Stop the server on this data folder whoever started it; whether one was running."""
        from pgserver._commands import pg_ctl
        from pgserver.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(self.data_dir.resolve())
        if info is None or not info.is_running():
            return False
        try:
            pg_ctl(["-w", "stop"], pgdata=self.data_dir.resolve(), user=self._system_user())
        except subprocess.CalledProcessError:
            if info.process.is_running():  # pg_ctl could not stop it: as pgserver does, end it
                info.process.terminate()
                info.process.wait(10)
        self.server = None
        return True

    @staticmethod
    def _system_user() -> str | None:
        import os

        return "pgserver" if os.geteuid() == 0 else None  # as pgserver runs it under root

    @property
    def socket_dir(self) -> str:
        return str(self.data_dir)

    def dsn(self, database: str = "postgres") -> str:
        return self.server.get_uri(database)

    def create_database(self, name: str, *, drop: bool = False) -> str:
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            if drop:
                conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
            exists = conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
            if not exists:
                conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
        return self.dsn(name)

    def airflow_metadata(self, database: str = "airflow") -> dict[str, str]:
        """Airflow settings that keep its metadata database in `database` here (created if absent):
        `make demo` and `make ui` share one, so the demo's runs show in the UI."""
        self.create_database(database)
        where = f"postgres@/{database}?host={self.socket_dir}"
        return {
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://{where}",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": f"postgresql+asyncpg://{where}",
        }

    def connection_json(self, database: str) -> str:
        """An Airflow `postgres` connection to `database`, in JSON form."""
        return json.dumps(
            {"conn_type": "postgres", "host": self.socket_dir, "login": "postgres", "schema": database}
        )
