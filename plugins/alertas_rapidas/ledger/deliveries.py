"""The delivery ledger in `alerts_postgres`: one row per message, claimed before it is sent.

A message is claimed with one `INSERT ... ON CONFLICT DO UPDATE ... WHERE` that only succeeds
from a claimable state, and the claim (`sending`) is committed before the SMTP transaction
starts. Two runs of the same date therefore never both send a message, and a re-run or a
backfill sends only what the ledger does not already hold as sent.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from alertas_rapidas.delivery.states import IN_DIGEST, MOVES, DeliveryState

if TYPE_CHECKING:
    from alertas_rapidas.contracts.tasks import ManifestEntry


@dataclass(frozen=True)
class ClaimPolicy:
    force_resend: bool = False
    resend_unknown: bool = False

    def states(self) -> list[str]:
        """The states a claim may take a message from (see delivery_state.MOVES)."""
        moves = ["claim"]
        if self.resend_unknown or self.force_resend:
            moves.append("claim_unknown")
        if self.force_resend:
            moves.append("claim_forced")
        return sorted({state for move in moves for state in MOVES[move].source_states()})


@contextmanager
def ledger_connection(conn_id: str, *, migrate: bool = True) -> Generator[Any, None, None]:
    """An autocommit psycopg connection to the ledger database, its schema brought to the latest
    version (unless `migrate` is False: `ops migrate` looks before it leaps)."""
    import psycopg
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    conn = PostgresHook(postgres_conn_id=conn_id).get_conn()
    if not isinstance(conn, psycopg.Connection):  # the provider's psycopg2 fallback (SQLAlchemy 1)
        conn.close()
        raise RuntimeError(f"{conn_id}: the postgres provider did not connect through psycopg 3")
    try:
        conn.autocommit = True
        if migrate:
            ensure_schema(conn)
        yield conn
    finally:
        conn.close()


def ensure_schema(conn: Any) -> None:
    """The ledger's schema at the latest migration (alertas_rapidas.ledger.migrations)."""
    from alertas_rapidas.ledger.migrations import ensure_current

    ensure_current(conn)


@dataclass(frozen=True)
class Claim:
    """One message to claim: its ledger key and what the ledger keeps of it. `subject` is the
    rendered subject, kept for the message search (purged with the addresses); `bounce_token` the
    VERP token of the envelope sender it goes with (`verp`); `outbox` the batch archive holding it
    (`outbox.py`), for the Alertas page's `.eml` link."""

    key: str
    recipient_ref: str
    business_key: str
    recipients: list[str]
    message_id: str
    subject: str | None = None
    bounce_token: str | None = None
    outbox: str | None = None


def claim_group(
    conn: Any,
    claims: list[Claim],
    *,
    family: str,
    run_date: date,
    dag_id: str,
    run_id: str,
    policy: ClaimPolicy,
    claim_token: str | None = None,
    claim_try: int | None = None,
) -> dict[str, str | None]:
    """Claim several messages for sending in one statement (one commit); return, per key, None
    when it was claimed, else its current state (sent, sending, ...; None-less: never claimed
    messages have a state). Every claim of the group is committed before any of them is sent, so
    a crash leaves at most the group `sending` (then `unknown`: `recovery`)."""
    if not claims:
        return {}
    rows = json.dumps([vars(item) for item in claims])
    claimed = {
        key
        for (key,) in conn.execute(
            """
            insert into alerts.deliveries as d (
                idempotency_key, family, recipient_ref, business_key, status, run_date,
                dag_id, run_id, recipients, message_id, attempts, claim_token, claim_try, claimed_at,
                subject, bounce_token, outbox
            )
            select m.key, %(family)s, m.recipient_ref, m.business_key, %(sending)s, %(run_date)s,
                   %(dag_id)s, %(run_id)s, m.recipients, m.message_id, 1, %(claim_token)s,
                   %(claim_try)s, now(), m.subject, m.bounce_token, m.outbox
              from jsonb_to_recordset(%(rows)s::jsonb) as m(
                   key text, recipient_ref text, business_key text, recipients text[],
                   message_id text, subject text, bounce_token text, outbox text)
            on conflict (idempotency_key) do update
                set status = %(sending)s, reason = null, attempts = d.attempts + 1,
                    run_date = excluded.run_date, dag_id = excluded.dag_id, run_id = excluded.run_id,
                    recipients = excluded.recipients, message_id = excluded.message_id,
                    claim_token = excluded.claim_token, claim_try = excluded.claim_try,
                    claimed_at = now(), refused = null, smtp_response = null, updated_at = now(),
                    subject = coalesce(excluded.subject, d.subject),
                    not_before = null, bounce_token = excluded.bounce_token, bounce_kind = null,
                    bounced_at = null, bounce_detail = null,
                    outbox = coalesce(excluded.outbox, d.outbox)
                where d.status = any(%(states)s)
            returning d.idempotency_key
            """,
            {
                "rows": rows,
                "family": family,
                "run_date": run_date,
                "dag_id": dag_id,
                "run_id": run_id,
                "claim_token": claim_token,
                "claim_try": claim_try,
                "states": policy.states(),
                "sending": DeliveryState.SENDING,
            },
        ).fetchall()
    }
    others = [item.key for item in claims if item.key not in claimed]
    current = dict(
        conn.execute(
            "select idempotency_key, status from alerts.deliveries where idempotency_key = any(%s)",
            (others,),
        ).fetchall()
        if others
        else []
    )
    return {item.key: None if item.key in claimed else current.get(item.key) for item in claims}


def claim(
    conn: Any,
    *,
    key: str,
    family: str,
    recipient_ref: str,
    business_key: str,
    recipients: list[str],
    run_date: date,
    dag_id: str,
    run_id: str,
    message_id: str,
    policy: ClaimPolicy,
    claim_token: str | None = None,
    claim_try: int | None = None,
    subject: str | None = None,
    bounce_token: str | None = None,
) -> tuple[bool, str | None]:
    """Claim one message (`claim_group` of one); return (claimed, current status when not)."""
    item = Claim(key, recipient_ref, business_key, recipients, message_id, subject, bounce_token)
    status = claim_group(
        conn,
        [item],
        family=family,
        run_date=run_date,
        dag_id=dag_id,
        run_id=run_id,
        policy=policy,
        claim_token=claim_token,
        claim_try=claim_try,
    )[key]
    return status is None, status


def mark_interrupted(conn: Any, *, claim_token: str, try_number: int) -> int:
    """Messages an earlier try of this task left `sending`: their outcome is unknown."""
    cursor = conn.execute(
        """
        update alerts.deliveries
           set status = %(unknown)s, updated_at = now(),
               reason = 'the sending task stopped during the SMTP transaction; outcome unknown'
         where status = any(%(sources)s) and claim_token = %(token)s and claim_try < %(try)s
        """,
        {
            "unknown": DeliveryState.UNKNOWN,
            "sources": MOVES["interrupted"].source_states(),
            "token": claim_token,
            "try": try_number,
        },
    )
    return cursor.rowcount


@dataclass(frozen=True)
class Outcome:
    """How one claimed message ended (`record_outcomes`)."""

    key: str
    status: DeliveryState
    reason: str | None = None
    smtp_response: str | None = None
    refused: dict[str, Any] | None = None
    not_before: datetime | None = None


def record_outcomes(conn: Any, outcomes: list[Outcome]) -> None:
    """Record how claimed messages ended, in one statement: sent, failed, deferred or unknown; or
    waiting (the server said "slow down", or the message was claimed and not tried), until
    `not_before`. A message no longer `sending` is left as it is."""
    for item in outcomes:
        if item.status not in MOVES["outcome"].targets:
            targets = ", ".join(sorted(MOVES["outcome"].targets))
            raise ValueError(f"{item.status!r} is not an SMTP outcome ({targets})")
    if not outcomes:
        return
    rows = [
        {
            "key": item.key,
            "status": str(DeliveryState(item.status)),
            "reason": item.reason,
            "smtp_response": item.smtp_response,
            "refused": item.refused or None,
            "not_before": item.not_before.isoformat() if item.not_before else None,
        }
        for item in outcomes
    ]
    conn.execute(
        """
        update alerts.deliveries as d
           set status = m.status, reason = m.reason, smtp_response = m.smtp_response,
               refused = m.refused, updated_at = now(), not_before = m.not_before,
               sent_at = case when m.status = %(sent)s then now() else d.sent_at end
          from jsonb_to_recordset(%(rows)s::jsonb) as m(
               key text, status text, reason text, smtp_response text, refused jsonb,
               not_before timestamptz)
         where d.idempotency_key = m.key and d.status = any(%(sources)s)
        """,
        {"rows": json.dumps(rows), "sent": DeliveryState.SENT, "sources": MOVES["outcome"].source_states()},
    )


def record_outcome(
    conn: Any,
    *,
    key: str,
    status: DeliveryState,
    reason: str | None = None,
    smtp_response: str | None = None,
    refused: dict[str, Any] | None = None,
    not_before: datetime | None = None,
) -> None:
    """Record how one claimed message ended (`record_outcomes` of one)."""
    record_outcomes(conn, [Outcome(key, status, reason, smtp_response, refused, not_before)])


def record_waiting(
    conn: Any,
    *,
    entries: Iterable[ManifestEntry],
    family: str,
    run_date: date,
    dag_id: str,
    run_id: str,
    reason: str,
    not_before: datetime,
) -> int:
    """The batch's messages not yet sent wait until `not_before` (a sending limit's window or a
    slow-down back-off), with `reason` (`rate_limited: ...`, no personal data); return how many.
    A message further along (sent, sending, failed, unknown) is left as it is."""
    rows = [
        (
            entry.key,
            family,
            entry.recipient_ref,
            entry.business_key,
            DeliveryState.WAITING,
            reason,
            run_date,
            dag_id,
            run_id,
            list(entry.envelope),
            entry.message_id,
            not_before,
            MOVES["wait"].source_states(),
        )
        for entry in entries
    ]
    if not rows:
        return 0
    moved = 0
    with conn.transaction(), conn.cursor() as cursor:
        cursor.executemany(
            """
            insert into alerts.deliveries as d (
                idempotency_key, family, recipient_ref, business_key, status, reason,
                run_date, dag_id, run_id, recipients, message_id, not_before
            )
            values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
            on conflict (idempotency_key) do update
                set status = excluded.status, reason = excluded.reason,
                    run_date = excluded.run_date, dag_id = excluded.dag_id, run_id = excluded.run_id,
                    recipients = excluded.recipients, message_id = excluded.message_id,
                    not_before = excluded.not_before, updated_at = now()
                where d.status = any(%s)
            returning 1
            """,
            rows,
            returning=True,
        )
        while True:
            moved += len(cursor.fetchall())
            if not cursor.nextset():
                break
    return moved


def record_skips(
    conn: Any,
    *,
    family: str,
    skips: Iterable[tuple[str, str, str, str]],
    run_date: date,
    dag_id: str,
    run_id: str,
) -> int:
    """Record skipped candidates (key, recipient_ref, business_key, reason).

    Never overwrites a row that is further along (sent, sending, failed, unknown, deferred).
    """
    refreshed = sorted({*MOVES["skip"].source_states(), *MOVES["skip_reopened"].source_states()})
    rows = [
        (key, family, recipient_ref, business_key, DeliveryState.SKIPPED, reason, run_date, dag_id, run_id)
        + (refreshed,)
        for key, recipient_ref, business_key, reason in skips
    ]
    if not rows:
        return 0
    with conn.transaction(), conn.cursor() as cursor:
        cursor.executemany(
            """
            insert into alerts.deliveries as d (
                idempotency_key, family, recipient_ref, business_key, status, reason,
                run_date, dag_id, run_id
            )
            values (%s, %s, %s, %s, %s, %s, %s, %s, %s)
            on conflict (idempotency_key) do update
                set reason = excluded.reason, run_date = excluded.run_date,
                    dag_id = excluded.dag_id, run_id = excluded.run_id, updated_at = now()
                where d.status = any(%s)
            """,
            rows,
        )
    return len(rows)


def record_run(
    conn: Any,
    *,
    dag_id: str,
    run_id: str,
    family: str,
    run_date: date,
    logical_date: Any,
    dry_run: bool,
    summary: dict[str, Any],
) -> None:
    conn.execute(
        """
        insert into alerts.runs (dag_id, run_id, family, run_date, logical_date, dry_run, summary)
        values (%s, %s, %s, %s, %s, %s, %s::jsonb)
        on conflict (dag_id, run_id) do update
            set summary = excluded.summary, dry_run = excluded.dry_run, finished_at = now()
        """,
        (dag_id, run_id, family, run_date, logical_date, dry_run, json.dumps(summary)),
    )


def record_covered(
    conn: Any,
    *,
    family: str,
    recipient_ref: str,
    business_keys: list[str],
    message_id: str,
    run_date: date,
    dag_id: str,
    run_id: str,
) -> None:
    """The rows a sent digest carried, each recorded as sent to its recipient (reason
    `in_digest`, the digest's Message-ID): a later digest leaves them out."""
    from alertas_rapidas.contracts.plan import idempotency_key

    rows = [
        (
            idempotency_key(family, recipient_ref, key),
            family,
            recipient_ref,
            key,
            DeliveryState.SENT,
            IN_DIGEST,
            run_date,
            dag_id,
            run_id,
            message_id,
        )
        for key in business_keys
    ]
    with conn.cursor() as cursor:
        cursor.executemany(
            """
            insert into alerts.deliveries as d (
                idempotency_key, family, recipient_ref, business_key, status, reason,
                run_date, dag_id, run_id, message_id, sent_at
            )
            values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, now())
            on conflict (idempotency_key) do update
                set status = excluded.status, reason = excluded.reason, run_date = excluded.run_date,
                    dag_id = excluded.dag_id, run_id = excluded.run_id,
                    message_id = excluded.message_id, sent_at = now(), updated_at = now()
            """,
            rows,
        )


def sent_messages(conn: Any, family: str) -> list[tuple[str, str, Any]]:
    """(recipient_ref, business_key, run_date) of every message of `family` sent (a bounced one
    was sent too)."""
    return conn.execute(
        "select recipient_ref, business_key, run_date from alerts.deliveries "
        "where family = %s and status = any(%s)",
        (family, [DeliveryState.SENT, DeliveryState.BOUNCED]),
    ).fetchall()
