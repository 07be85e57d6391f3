"""The stored unsubscribes (`alerts.unsubscribes`): one row per recipient (a DMS reference, never
an address) and family, or `*` for every recurring family, with where the choice came from.
Tokens and headers are `alertas_rapidas.unsubscribes`'."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

ALL = "*"  # every recurring family
SOURCES = ("one-click", "page", "mailto", "ops")


class Unsubscribe(TypedDict):
    """One stored choice."""

    family: str
    recipient_ref: str
    source: str
    unsubscribed_at: datetime


@dataclass(frozen=True)
class UnsubscribeCount:
    """How many recipients unsubscribed from a family (`*`: from every recurring family)."""

    family: str
    recipients: int
    latest: datetime


def record(conn: Any, family: str, recipient_ref: str, source: str) -> bool:
    """Store one unsubscribe (idempotent); True when it is new."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}")
    row = conn.execute(
        """
        insert into alerts.unsubscribes (family, recipient_ref, source)
        values (%s, %s, %s)
        on conflict (family, recipient_ref) do nothing
        returning 1
        """,
        (family, recipient_ref, source),
    ).fetchone()
    return row is not None


def remove(conn: Any, family: str, recipient_ref: str) -> bool:
    """Undo one unsubscribe (the recipient asked to receive the alerts again)."""
    row = conn.execute(
        "delete from alerts.unsubscribes where family = %s and recipient_ref = %s returning 1",
        (family, recipient_ref),
    ).fetchone()
    return row is not None


def unsubscribed_refs(conn: Any, family: str) -> set[str]:
    """The recipients unsubscribed from `family` or from every recurring family."""
    rows = conn.execute(
        "select recipient_ref from alerts.unsubscribes where family in (%s, %s)", (family, ALL)
    ).fetchall()
    return {ref for (ref,) in rows}


def listing(conn: Any, family: str | None = None) -> list[Unsubscribe]:
    """Every stored unsubscribe (of `family` and `*` when given), the latest first."""
    rows = conn.execute(
        """
        select family, recipient_ref, source, unsubscribed_at
          from alerts.unsubscribes
         where %(family)s::text is null or family in (%(family)s, %(all)s)
         order by unsubscribed_at desc, family, recipient_ref
        """,
        {"family": family, "all": ALL},
    ).fetchall()
    return [
        Unsubscribe(family=name, recipient_ref=ref, source=source, unsubscribed_at=at)
        for name, ref, source, at in rows
    ]


def counts(conn: Any, family: str | None = None) -> list[UnsubscribeCount]:
    """Unsubscribes per family (counts and the latest date, no recipient); of `family` and `*`
    only when it names one."""
    rows = conn.execute(
        """
        select family, count(*), max(unsubscribed_at)
          from alerts.unsubscribes
         where %(family)s::text is null or family in (%(family)s::text, %(all)s)
         group by family
         order by family = %(all)s desc, family
        """,
        {"family": family, "all": ALL},
    ).fetchall()
    return [UnsubscribeCount(name, int(count), latest) for name, count, latest in rows]
