"""Muting a family: for a while, or until someone ends it, with who and why.

A mute is a period `[muted_from, muted_until)` (open-ended when `muted_until` is null), cut short
when someone ends it (`ended_at`). A run is muted when its instant T falls in a period: it still
extracts and plans (its summary says what it would have sent) but renders and sends nothing, and
its messages are counted as held back (`muted`), never recorded in the ledger, so nothing is
caught up when the mute ends. A backfill of a date is judged by that date's instant, like every
other run setting: a date before the mute sends, a date inside it does not.

Switching a family **off** is this same mechanism: an open-ended mute from now (`switch_off`),
with who and why; switching it back **on** ends it (`switch_on`, with who and why). There is no
other on/off: a run obeys the mute in force at its instant T, whichever way it was made.

Rows are kept for good (the history of who muted what); `python -m alertas_rapidas.ops mute`,
`unmute`, `mutes` and `settings off|on` manage them, the Alertas page shows them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

REASON = "muted"  # the held-back reason of a muted run's messages

_COLUMNS = "id, family, muted_from, muted_until, muted_by, reason, ended_at, ended_by, end_reason"


class MuteError(ValueError):
    """A mute request that cannot be recorded (an end before its start, no reason)."""


@dataclass(frozen=True)
class Mute:
    id: int
    family: str
    muted_from: datetime
    muted_until: datetime | None
    muted_by: str
    reason: str
    ended_at: datetime | None = None
    ended_by: str | None = None
    end_reason: str | None = None  # why it was ended early (switched back on)

    @property
    def is_off(self) -> bool:
        """An open-ended mute: the family is switched off until someone switches it on."""
        return self.muted_until is None

    def state(self) -> str:
        """`switched off (muted by ... until unmuted: why)` or `muted by ... until ...: why`."""
        return f"switched off ({self.describe()})" if self.is_off else self.describe()

    def describe(self) -> str:
        until = f"until {_when(self.muted_until)}" if self.muted_until else "until unmuted"
        return f"muted by {self.muted_by} since {_when(self.muted_from)}, {until}: {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(self).items()}


def _when(instant: datetime) -> str:
    return f"{instant.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def mute(
    conn: Any,
    family: str,
    *,
    by: str,
    reason: str,
    until: datetime | None = None,
    since: datetime | None = None,
) -> Mute:
    """Mute `family` from `since` (default: now; an earlier instant also mutes backfills of the
    dates in between) until `until` (default: until someone ends it)."""
    if not reason.strip():
        raise MuteError("a mute needs a reason (what the recipients would otherwise get, and why not)")
    if any(when is not None and when.tzinfo is None for when in (until, since)):
        raise MuteError("the start and end of a mute need a time zone")
    if until is not None and since is not None and until <= since:
        raise MuteError("the end of a mute must come after its start")
    row = conn.execute(
        f"""
        insert into alerts.mutes (family, muted_from, muted_until, muted_by, reason)
        select %(family)s, coalesce(%(since)s, now()), %(until)s, %(by)s, %(reason)s
         where %(until)s::timestamptz is null or %(until)s::timestamptz > coalesce(%(since)s, now())
        returning {_COLUMNS}
        """,
        {"family": family, "since": since, "until": until, "by": by, "reason": reason.strip()},
    ).fetchone()
    if row is None:
        raise MuteError(f"the end of the mute ({_when(until)}) is already past")  # type: ignore[arg-type]
    # (with `since`, a period wholly in the past is allowed: it keeps backfills of those dates quiet)
    return Mute(*row)


def unmute(conn: Any, family: str, *, by: str, reason: str | None = None) -> list[Mute]:
    """End every mute of `family` in force now; return them (none: it was not muted)."""
    rows = conn.execute(
        f"""
        update alerts.mutes set ended_at = now(), ended_by = %s, end_reason = %s
         where family = %s and ended_at is null and muted_from <= now()
           and (muted_until is null or muted_until > now())
        returning {_COLUMNS}
        """,
        (by, (reason or "").strip() or None, family),
    ).fetchall()
    return [Mute(*row) for row in rows]


def switch_off(conn: Any, family: str, *, by: str, reason: str) -> Mute:
    """Switch `family` off from now until someone switches it on: an open-ended mute. Refused
    (MuteError naming it) when a mute is already in force."""
    import zlib

    with conn.transaction():  # two people switching it off at once: one off, the other told so
        conn.execute(
            "select pg_advisory_xact_lock(%s, %s)", (7_420_026, zlib.crc32(family.encode()) & 0x7FFFFFFF)
        )
        current = mute_at(conn, family, _now(conn))
        if current is not None:
            raise MuteError(f"{family} is already {current.state()}")
        return mute(conn, family, by=by, reason=reason)


def switch_on(conn: Any, family: str, *, by: str, reason: str) -> list[Mute]:
    """End the mutes of `family` in force now (an off, or a mute with an end), with why; MuteError
    when it is neither off nor muted."""
    if not reason.strip():
        raise MuteError("switching a family on needs a reason too")
    ended = unmute(conn, family, by=by, reason=reason)
    if not ended:
        raise MuteError(f"{family} is on (not switched off or muted)")
    return ended


def _now(conn: Any) -> datetime:
    return conn.execute("select now()").fetchone()[0]


def mute_at(conn: Any, family: str, at: datetime) -> Mute | None:
    """The mute of `family` in force at the instant `at` (the latest one), or None."""
    row = conn.execute(
        f"""
        select {_COLUMNS} from alerts.mutes
         where family = %(family)s and muted_from <= %(at)s
           and (muted_until is null or %(at)s < muted_until)
           and (ended_at is null or %(at)s < ended_at)
         order by muted_from desc limit 1
        """,
        {"family": family, "at": at},
    ).fetchone()
    return Mute(*row) if row else None


def active(conn: Any, family: str | None = None) -> list[Mute]:
    """Every mute in force now (of `family` when given), by family."""
    rows = conn.execute(
        f"""
        select {_COLUMNS} from alerts.mutes
         where muted_from <= now() and (muted_until is null or now() < muted_until)
           and (ended_at is null or now() < ended_at)
           and (%(family)s::text is null or family = %(family)s::text)
         order by family, muted_from desc
        """,
        {"family": family},
    ).fetchall()
    return [Mute(*row) for row in rows]


def history(conn: Any, family: str | None = None, limit: int = 100) -> list[Mute]:
    """Every mute recorded (of `family` when given), the latest first."""
    rows = conn.execute(
        f"""
        select {_COLUMNS} from alerts.mutes
         where %(family)s::text is null or family = %(family)s
         order by muted_from desc, id desc limit %(limit)s
        """,
        {"family": family, "limit": limit},
    ).fetchall()
    return [Mute(*row) for row in rows]


def mute_for_run(family: str, at: datetime) -> Mute | None:
    """In a task: the mute in force at the run's instant, read from the ledger."""
    from alertas_rapidas.connections import ALERTS_CONN_ID
    from alertas_rapidas.ledger.deliveries import ledger_connection

    with ledger_connection(ALERTS_CONN_ID) as conn:
        return mute_at(conn, family, at)
