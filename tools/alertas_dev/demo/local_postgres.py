"""An embedded PostgreSQL for the demo and the tests: `pgserver` runs a real server from a wheel.

No manual install and no root restrictions. Connections go through the server's Unix socket.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql


@dataclass
class LocalPostgres:
    data_dir: Path
    server: Any = None

    def start(self) -> LocalPostgres:
        import pgserver

        # pgserver logs every pg_ctl call at INFO, and once more from an atexit hook after the
        # test runner has closed its streams: keep only its warnings.
        logging.getLogger("pgserver").setLevel(logging.WARNING)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.server = pgserver.get_server(str(self.data_dir), cleanup_mode="stop")
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

    def stop(self) -> None:
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
        with self.server._lock:
            self.server.ensure_postgres_running()

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
