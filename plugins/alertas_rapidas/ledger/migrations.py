"""The ledger's schema, versioned: numbered migrations applied once, in order, under a lock.

The package's own schema `alerts` (delivery ledger, run log, unsubscribes, ...) is built by the
files `sql/alerts/migrations/NNNN_name.sql`. Each is applied once, in its own transaction, and
recorded in `alerts.schema_migrations` with its checksum; an advisory lock serialises workers that
find the same ledger behind. An applied migration is never edited: a change is a new file.

Migration 0001 is the file that was re-applied on every connection before migrations were
numbered (`sql/alerts/ledger.sql`); it is idempotent, so it also adopts a ledger that file made
in any of its versions. `tests/e2e/ledger/test_migrations.py` upgrades each of them.

`ensure_current` (every ledger connection) costs one query when the ledger is up to date and
applies what is pending otherwise, so a fresh install works with no step; `python -m
alertas_rapidas.ops migrate [--dry-run]` and the `alertas_housekeeping` DAG apply them on purpose.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from alertas_rapidas.paths import SQL_DIR

log = logging.getLogger(__name__)

MIGRATIONS_DIR = SQL_DIR / "alerts" / "migrations"
_LOCK = 7_420_011  # advisory lock id: one migrating session at a time
_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class MigrationError(RuntimeError):
    """The migration files or the recorded versions are not consistent."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()

    @property
    def label(self) -> str:
        return f"{self.version:04d}_{self.name}"


def available() -> list[Migration]:
    """Every migration file, in version order (1, 2, 3, ... with no gap and no duplicate)."""
    return list(_read(str(MIGRATIONS_DIR)))


@lru_cache(maxsize=4)
def _read(directory: str) -> tuple[Migration, ...]:
    found: dict[int, Migration] = {}
    for path in sorted(Path(directory).glob("*.sql")):
        match = _FILE.match(path.name)
        if not match:
            raise MigrationError(f"{path}: a migration file is named NNNN_name.sql (e.g. 0006_bounces.sql)")
        version = int(match.group(1))
        if version in found:
            raise MigrationError(f"{path}: version {version} is taken by {found[version].label}.sql")
        found[version] = Migration(version, match.group(2), path.read_text(encoding="utf-8"))
    versions = sorted(found)
    if versions != list(range(1, len(versions) + 1)):
        raise MigrationError(f"migration versions must run 1, 2, 3, ... without gaps; found {versions}")
    return tuple(found[v] for v in versions)


def latest_version() -> int:
    return len(available())


def current_version(conn: Any) -> int | None:
    """The ledger's version: None with no ledger at all, 0 for a ledger from before versions."""
    tables = conn.execute(
        "select to_regclass('alerts.schema_migrations') is not null,"
        " to_regclass('alerts.deliveries') is not null"
    ).fetchone()
    if tables[0]:
        return int(
            conn.execute("select coalesce(max(version), 0) from alerts.schema_migrations").fetchone()[0]
        )
    return 0 if tables[1] else None


def applied(conn: Any) -> list[dict[str, Any]]:
    """The recorded migrations: version, name, checksum, applied_at (none before the first)."""
    if not conn.execute("select to_regclass('alerts.schema_migrations') is not null").fetchone()[0]:
        return []
    rows = conn.execute(
        "select version, name, checksum, applied_at from alerts.schema_migrations order by version"
    ).fetchall()
    return [dict(zip(("version", "name", "checksum", "applied_at"), row, strict=True)) for row in rows]


def pending(conn: Any) -> list[Migration]:
    """The migrations not yet applied to this ledger, in order."""
    version = current_version(conn) or 0
    return [m for m in available() if m.version > version]


def changed(conn: Any) -> list[str]:
    """Applied migrations whose file differs from what was applied (an edited migration)."""
    files = {m.version: m for m in available()}
    return [
        f"{row['version']:04d}_{row['name']}"
        for row in applied(conn)
        if row["version"] in files and files[row["version"]].checksum != row["checksum"]
    ]


def migrate(conn: Any) -> list[Migration]:
    """Apply every pending migration, each in its own transaction under the advisory lock;
    return those this call applied (none when another session got there first)."""
    done: list[Migration] = []
    for migration in available():
        with conn.transaction():
            conn.execute("select pg_advisory_xact_lock(%s)", (_LOCK,))
            conn.execute(
                """
                create schema if not exists alerts;
                create table if not exists alerts.schema_migrations (
                    version integer primary key,
                    name text not null,
                    checksum text not null,
                    applied_at timestamptz not null default now()
                )
                """
            )
            if conn.execute(
                "select 1 from alerts.schema_migrations where version = %s", (migration.version,)
            ).fetchone():
                continue
            conn.execute(migration.sql)
            conn.execute(
                "insert into alerts.schema_migrations (version, name, checksum) values (%s, %s, %s)",
                (migration.version, migration.name, migration.checksum),
            )
        log.info("Ledger migration %s applied", migration.label)
        done.append(migration)
    return done


def ensure_current(conn: Any) -> None:
    """Bring the ledger to the latest version when it is behind (one query when it is not)."""
    version = current_version(conn)
    if version is not None and version >= latest_version():
        return
    migrate(conn)
