"""The overrides of families' settings and recipients in the package's database
(`alerts.setting_overrides`, migration 0010): append-only, one row per change of one field.

A family's changes are numbered (`version`); one save of several fields shares a number. What is
in force at an instant is the latest row of each field changed at or before it: a `set` row's value,
or nothing (the file's value) after an `unset`. A save names the version it was made from and is
refused with what changed since when another save came first (`Conflict`): no lost update.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from alertas_rapidas.overrides import FieldOverride, Merge

_COLUMNS = (
    "id, family, version, field, action, merge, value, previous, changed_by, changed_at, reason, reverts"
)


@dataclass(frozen=True)
class Change:
    """One stored change of one field."""

    id: int
    family: str
    version: int
    field: str
    action: str  # set | unset
    merge: str | None
    value: Any
    previous: dict[str, Any]  # {source: file | override, value, merge}
    by: str
    at: datetime
    reason: str
    reverts: int | None = None

    def override(self) -> FieldOverride | None:
        """The override this change puts in force (None: an unset, the file's value again)."""
        if self.action != "set":
            return None
        return FieldOverride(
            field=self.field,
            value=self.value,
            merge=Merge(self.merge or Merge.REPLACE),
            id=self.id,
            version=self.version,
            by=self.by,
            at=self.at,
            reason=self.reason,
        )


@dataclass(frozen=True)
class NewChange:
    field: str
    action: str
    merge: str | None
    value: Any
    previous: dict[str, Any]


class Conflict(RuntimeError):
    """Another save came first: the changes made since the version the caller saw."""

    def __init__(self, version: int, since: list[Change]) -> None:
        who = ", ".join(sorted({f"{c.by} ({c.at:%Y-%m-%d %H:%M} UTC)" for c in since})) or "someone"
        super().__init__(
            f"changed by {who} since you read version {version}: read the current values and try again"
        )
        self.version = version
        self.since = since


def has_table(conn: Any) -> bool:
    return bool(conn.execute("select to_regclass('alerts.setting_overrides') is not null").fetchone()[0])


def in_force(
    conn: Any, family: str, at: datetime | None = None, version: int | None = None
) -> tuple[int, list[Change]]:
    """(the family's version, the latest change of each field) at the instant `at` (default: now),
    counting only changes up to `version` when given (what a run's first task read)."""
    params = {"family": family, "at": at, "version": version}
    where = """
        family = %(family)s and changed_at <= coalesce(%(at)s::timestamptz, now())
        and (%(version)s::int is null or version <= %(version)s::int)
    """
    row = conn.execute(
        f"select coalesce(max(version), 0) from alerts.setting_overrides where {where}", params
    ).fetchone()
    rows = conn.execute(
        f"""
        select distinct on (field) {_COLUMNS} from alerts.setting_overrides
         where {where}
         order by field, version desc, id desc
        """,
        params,
    ).fetchall()
    return int(row[0]), [Change(*item) for item in rows]


def current_version(conn: Any, family: str) -> int:
    row = conn.execute(
        "select coalesce(max(version), 0) from alerts.setting_overrides where family = %s", (family,)
    ).fetchone()
    return int(row[0])


def history(conn: Any, family: str, limit: int = 200) -> list[Change]:
    """Every change of the family, the latest first."""
    rows = conn.execute(
        f"select {_COLUMNS} from alerts.setting_overrides"
        " where family = %s order by version desc, id desc limit %s",
        (family, limit),
    ).fetchall()
    return [Change(*row) for row in rows]


def change(conn: Any, family: str, change_id: int) -> Change | None:
    row = conn.execute(
        f"select {_COLUMNS} from alerts.setting_overrides where family = %s and id = %s", (family, change_id)
    ).fetchone()
    return Change(*row) if row else None


def changes_between(conn: Any, family: str, after: int, upto: int) -> list[Change]:
    """The changes with a version in (after, upto], oldest first."""
    rows = conn.execute(
        f"""
        select {_COLUMNS} from alerts.setting_overrides
         where family = %s and version > %s and version <= %s order by version, id
        """,
        (family, after, upto),
    ).fetchall()
    return [Change(*row) for row in rows]


def record(
    conn: Any,
    family: str,
    changes: list[NewChange],
    *,
    by: str,
    reason: str,
    expected_version: int | None,
    reverts: int | None = None,
) -> list[Change]:
    """Store one save (its changes under the next version), in one transaction, under a lock on the
    family; Conflict when `expected_version` is given and another save came after it."""
    with conn.transaction():
        conn.execute(
            "select pg_advisory_xact_lock(%s, %s)", (7_420_025, zlib.crc32(family.encode()) & 0x7FFFFFFF)
        )
        version = current_version(conn, family)
        if expected_version is not None and version != expected_version:
            raise Conflict(expected_version, changes_between(conn, family, expected_version, version))
        stored = []
        for item in changes:
            row = conn.execute(
                f"""
                insert into alerts.setting_overrides
                    (family, version, field, action, merge, value, previous, changed_by, reason, reverts)
                values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                returning {_COLUMNS}
                """,
                (
                    family,
                    version + 1,
                    item.field,
                    item.action,
                    item.merge,
                    Jsonb(item.value) if item.action == "set" else None,
                    Jsonb(item.previous),
                    by,
                    reason.strip(),
                    reverts,
                ),
            ).fetchone()
            stored.append(Change(*row))
    return stored


def last_real_runs(conn: Any, family: str) -> tuple[int, datetime | None, int | None]:
    """Of the family's recorded normal runs (not dry, not redirected): the highest settings version
    any of them ran with, the latest run instant, and the messages the latest one planned."""
    row = conn.execute(
        """
        select coalesce(max((summary ->> 'settings_version')::int), 0),
               max((summary ->> 'at')::timestamptz),
               (array_agg((summary ->> 'messages')::int order by finished_at desc))[1]
          from alerts.runs
         where family = %s and not dry_run
           and not coalesce((summary ->> 'dry_run_mode')::boolean, false)
           and not coalesce((summary ->> 'redirect_mode')::boolean, false)
        """,
        (family,),
    ).fetchone()
    return int(row[0]), row[1], row[2]


def seen_by_a_run(conn: Any, family: str, instant: datetime) -> bool:
    """Whether a recorded normal run of the family already ran with what happened at `instant`: its
    instant T at or after it, and it finished after it (a run of a later date that ran before
    the change did not see it)."""
    row = conn.execute(
        """
        select exists (
            select 1 from alerts.runs
             where family = %(family)s and not dry_run
               and not coalesce((summary ->> 'dry_run_mode')::boolean, false)
               and not coalesce((summary ->> 'redirect_mode')::boolean, false)
               and (summary ->> 'at')::timestamptz >= %(instant)s and finished_at >= %(instant)s
        )
        """,
        {"family": family, "instant": instant},
    ).fetchone()
    return bool(row[0])
