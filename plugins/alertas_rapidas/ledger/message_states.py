"""Messages of the delivery ledger one by one, by DMS reference (never an address): those in a
state (the `unknown` ones a person must decide about), the state of given messages, and reopening
one for a resend."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TypedDict

from alertas_rapidas.delivery.states import MOVES, DeliveryState

REOPEN_REASON = "reopened by ops for a resend"


class MessageInState(TypedDict):
    """A message in some state: its family, run date, DMS reference and business key, attempts,
    when it last changed and why ('' for no reason)."""

    family: str
    run_date: date | None
    recipient_ref: str
    business_key: str
    attempts: int
    updated_at: datetime
    reason: str


class MessageState(TypedDict):
    """Where one message stands: its state and reason, when it was sent, the run that last had it."""

    status: str
    reason: str | None
    sent_at: datetime | None
    dag_id: str | None
    run_id: str | None


def in_state(
    conn: Any, state: str, *, family: str | None = None, run_date: date | None = None, limit: int = 500
) -> list[MessageInState]:
    """The messages in `state` (of `family`, of `run_date`, when given), the last changed first."""
    rows = conn.execute(
        """
        select family, run_date, recipient_ref, business_key, attempts, updated_at, coalesce(reason, '')
          from alerts.deliveries
         where status = %(state)s
           and (%(family)s::text is null or family = %(family)s)
           and (%(day)s::date is null or run_date = %(day)s)
         order by updated_at desc, family, recipient_ref
         limit %(limit)s
        """,
        {"state": state, "family": family, "day": run_date, "limit": limit},
    ).fetchall()
    return [
        MessageInState(
            family=name,
            run_date=day,
            recipient_ref=ref,
            business_key=key,
            attempts=attempts,
            updated_at=updated,
            reason=reason,
        )
        for name, day, ref, key, attempts, updated, reason in rows
    ]


def states_of(conn: Any, keys: Sequence[str]) -> dict[str, MessageState]:
    """The ledger's state of each of these messages (ledger keys) that it holds."""
    if not keys:
        return {}
    rows = conn.execute(
        """
        select idempotency_key, status, reason, sent_at, dag_id, run_id
          from alerts.deliveries
         where idempotency_key = any(%s)
        """,
        (list(keys),),
    ).fetchall()
    return {
        key: MessageState(status=status, reason=reason, sent_at=sent_at, dag_id=dag_id, run_id=run_id)
        for key, status, reason, sent_at, dag_id, run_id in rows
    }


def reopen(conn: Any, key: str) -> bool:
    """Mark one message `pending` so the next run of its date sends it again; False when the
    ledger has no such message, or it is being sent right now (`MOVES["reopen"]`)."""
    row = conn.execute(
        """
        update alerts.deliveries
           set status = %s, reason = %s, updated_at = now()
         where idempotency_key = %s and status = any(%s)
        returning status
        """,
        (DeliveryState.PENDING, REOPEN_REASON, key, MOVES["reopen"].source_states()),
    ).fetchone()
    return row is not None
