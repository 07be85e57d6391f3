"""Bounce scores and the suppression list: addresses no message goes to any more.

Every bounce counts against its address (Mailman's rule): a hard bounce 1, a soft one 0.5, at most
1 a day (a soft then a hard bounce on one day count 1 in all), and the score starts again from 0
when the last counted bounce is older than `stale_after`. Past the `threshold` the address is
**suppressed** (source `bounces`); a person may suppress one too (`ops suppressions --add`,
source `ops`), and lift one (`--remove`), always with who and why; a lifted suppression keeps its
row, and the address's score starts again from 0.

Suppressed addresses are skipped when a run plans its messages (`skip_suppressed`): a message
whose To addresses are all suppressed is skipped with the reason `bounced`; a suppressed Cc or Bcc
is dropped from a message that still goes to someone. Addresses are compared in lower case.
This module holds addresses (personal data): `ops suppressions` shows them on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from alertas_rapidas.contracts.plan import Plan, SkippedCandidate
from alertas_rapidas.recipients import address_key

REASON = "bounced"  # the skip reason of a message to a suppressed address
SOURCES = ("bounces", "ops")
HARD, SOFT = "hard", "soft"
WEIGHTS = {HARD: 1.0, SOFT: 0.5}
BOUNCE_PROCESSOR = "alertas_bounces"  # who suppresses by score (the DAG)


@dataclass(frozen=True)
class ScoreRule:
    """When an address is suppressed: its score reaches `threshold`; a score whose last bounce is
    older than `stale_after` starts again from 0."""

    threshold: float = 3.0
    stale_after: timedelta = timedelta(days=45)


@dataclass(frozen=True)
class Counted:
    """What one bounce did to its address: the points it added, the score, whether it suppressed."""

    added: float
    score: float
    suppressed: bool


def normalised(address: str) -> str:
    return address_key(address.strip())


def count_bounce(conn: Any, address: str, kind: str, day: date, rule: ScoreRule) -> Counted:
    """Count one bounce of `address` on `day` (call it in the report's transaction)."""
    address, weight = normalised(address), WEIGHTS[kind]
    row = conn.execute(
        "select score, last_day, day_weight from alerts.bounce_scores where address = %s for update",
        (address,),
    ).fetchone()
    score, last_day, day_weight = (float(row[0]), row[1], float(row[2])) if row else (0.0, None, 0.0)
    if last_day is not None and (day - last_day) > rule.stale_after:
        score, last_day, day_weight = 0.0, None, 0.0  # stale: start again
    if last_day == day:
        added = max(0.0, weight - day_weight)  # at most one a day; a hard one tops up a soft one
        day_weight = max(day_weight, weight)
    else:
        added, day_weight = weight, weight
    score += added
    conn.execute(
        """
        insert into alerts.bounce_scores (address, score, last_day, day_weight, bounces)
        values (%(address)s, %(score)s, %(day)s, %(weight)s, 1)
        on conflict (address) do update
            set score = excluded.score, last_day = excluded.last_day, day_weight = excluded.day_weight,
                bounces = alerts.bounce_scores.bounces + 1, updated_at = now()
        """,
        {"address": address, "score": score, "day": day, "weight": day_weight},
    )
    suppressed = False
    if score >= rule.threshold:
        suppressed = suppress(
            conn,
            address,
            source="bounces",
            reason=f"bounce score {score:g} reached {rule.threshold:g} (the last bounce {kind}, {day})",
            by=BOUNCE_PROCESSOR,
        )
    return Counted(added, score, suppressed)


def suppress(conn: Any, address: str, *, source: str, reason: str, by: str) -> bool:
    """Suppress `address` (idempotent); True when it was not suppressed yet."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}")
    if not reason.strip():
        raise ValueError("a suppression needs a reason (why)")
    row = conn.execute(
        """
        insert into alerts.suppressions (address, source, reason, created_by)
        values (%s, %s, %s, %s)
        on conflict (address) where lifted_at is null do nothing
        returning 1
        """,
        (normalised(address), source, reason.strip(), by),
    ).fetchone()
    return row is not None


def lift(conn: Any, address: str, *, by: str, why: str) -> bool:
    """Lift the suppression of `address` (the row stays, with who and why) and start its bounce
    score again from 0; False when it was not suppressed."""
    if not why.strip():
        raise ValueError("lifting a suppression needs a reason (why)")
    with conn.transaction():
        row = conn.execute(
            """
            update alerts.suppressions set lifted_at = now(), lifted_by = %s, lift_reason = %s
             where address = %s and lifted_at is null
            returning 1
            """,
            (by, why.strip(), normalised(address)),
        ).fetchone()
        if row is not None:
            conn.execute("delete from alerts.bounce_scores where address = %s", (normalised(address),))
    return row is not None


def in_force(conn: Any) -> list[dict[str, Any]]:
    """The suppressions in force, the latest first: address, source, reason, who, when, score."""
    rows = conn.execute(
        """
        select s.address, s.source, s.reason, s.created_by, s.created_at, b.score
          from alerts.suppressions s
          left join alerts.bounce_scores b on b.address = s.address
         where s.lifted_at is null
         order by s.created_at desc, s.address
        """
    ).fetchall()
    names = ("address", "source", "reason", "created_by", "created_at", "score")
    return [dict(zip(names, row, strict=True)) for row in rows]


def history(conn: Any, address: str) -> list[dict[str, Any]]:
    """Every suppression of one address, lifted ones included, the latest first."""
    rows = conn.execute(
        """
        select address, source, reason, created_by, created_at, lifted_at, lifted_by, lift_reason
          from alerts.suppressions where address = %s order by created_at desc
        """,
        (normalised(address),),
    ).fetchall()
    names: tuple[str, ...] = ("address", "source", "reason", "created_by", "created_at")
    names += ("lifted_at", "lifted_by", "lift_reason")
    return [dict(zip(names, row, strict=True)) for row in rows]


def suppressed_addresses(conn: Any) -> set[str]:
    """Every address suppressed now (lower case)."""
    return {row[0] for row in conn.execute("select address from alerts.suppressions where lifted_at is null")}


def suppressed_for_run() -> set[str]:
    """The suppressed addresses a run's transform skips (read from `alerts_postgres`)."""
    from alertas_rapidas.connections import ALERTS_CONN_ID
    from alertas_rapidas.ledger.deliveries import ledger_connection

    with ledger_connection(ALERTS_CONN_ID) as conn:
        return suppressed_addresses(conn)


def skip_suppressed(plan: Plan, suppressed: set[str]) -> Plan:
    """The plan with messages to suppressed addresses skipped (reason `bounced`) and suppressed
    Cc and Bcc addresses dropped from the messages that still go out."""
    if not suppressed:
        return plan
    kept = []
    for message in plan.messages:
        to = [a for a in message.to if normalised(a) not in suppressed]
        if not to:
            plan.skipped.append(SkippedCandidate(message.recipient_ref, message.business_key, REASON))
            continue
        message.to = to
        message.cc = [a for a in message.cc if normalised(a) not in suppressed]
        message.bcc = [a for a in message.bcc if normalised(a) not in suppressed]
        kept.append(message)
    plan.messages = kept
    return plan
