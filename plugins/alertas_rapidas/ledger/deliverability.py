"""What waits for a sending window and what bounces, in counts (no address, no recipient): the
runs whose messages wait (`ops runs` and the Alertas page), per family its waiting, bounced and
suppressed messages, per SMTP connection its recent sends and slow-down, the suppressed addresses
by source. Filters are a family and an inclusive range of run dates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypedDict

from alertas_rapidas.delivery.states import DeliveryState
from alertas_rapidas.ledger.suppressions import REASON as BOUNCED_REASON
from alertas_rapidas.ledger.tables import exist

_FILTER = """
    (%(family)s::text is null or d.family = %(family)s::text)
    and (%(date_from)s::date is null or d.run_date >= %(date_from)s::date)
    and (%(date_to)s::date is null or d.run_date <= %(date_to)s::date)
"""


class WaitingRun(TypedDict):
    """A run whose messages wait for a sending limit's window or a slow-down's back-off."""

    family: str
    dag_id: str
    run_id: str
    run_date: date | None
    waiting: int
    until: datetime | None
    reason: str | None  # the most frequent one


class FamilyDeliverability(TypedDict):
    family: str
    waiting: int
    waiting_until: datetime | None
    bounced_messages: int
    hard_bounces: int
    soft_bounces: int
    suppressed_addresses: int  # the suppressed addresses its messages bounced from
    skipped_bounced: int  # messages skipped because the address is suppressed


class ConnectionUse(TypedDict):
    """An SMTP connection's sends in the last minute, hour and 24 hours, and a running slow-down."""

    conn_id: str
    sent_last_minute: int
    sent_last_hour: int
    sent_last_24h: int
    slowed_down_until: datetime | None
    slow_downs: int


def _filters(family: str | None, date_from: date | None, date_to: date | None) -> dict[str, Any]:
    return {
        "family": family,
        "date_from": date_from,
        "date_to": date_to,
        "waiting": DeliveryState.WAITING,
        "bounced": DeliveryState.BOUNCED,
        "skipped": DeliveryState.SKIPPED,
        "reason": BOUNCED_REASON,
    }


def tables_ready(conn: Any) -> bool:
    """Whether the ledger has the bounce and sending-limit tables (an older schema has not)."""
    return exist(conn, "bounces", "send_slots")


def waiting_runs(
    conn: Any, family: str | None = None, date_from: date | None = None, date_to: date | None = None
) -> list[WaitingRun]:
    """The runs whose messages wait now: how many, until when, why (the most frequent reason; no
    personal data), the one that waits least first."""
    rows = conn.execute(
        f"""
        select d.family, d.dag_id, d.run_id, d.run_date, count(*), max(d.not_before),
               mode() within group (order by d.reason)
          from alerts.deliveries d
         where d.status = %(waiting)s and {_FILTER}
         group by d.family, d.dag_id, d.run_id, d.run_date
         order by max(d.not_before), d.family, d.dag_id, d.run_id
        """,
        _filters(family, date_from, date_to),
    ).fetchall()
    return [
        WaitingRun(
            family=name,
            dag_id=dag_id,
            run_id=run_id,
            run_date=day,
            waiting=int(n),
            until=until,
            reason=reason,
        )
        for name, dag_id, run_id, day, n, until, reason in rows
    ]


def by_family(
    conn: Any, family: str | None = None, date_from: date | None = None, date_to: date | None = None
) -> list[FamilyDeliverability]:
    """Per family with anything to show: waiting, bounced and suppressed messages, bounce reports."""
    rows = conn.execute(
        f"""
        with messages as (
            select d.family,
                   count(*) filter (where d.status = %(waiting)s) as waiting,
                   max(d.not_before) filter (where d.status = %(waiting)s) as waiting_until,
                   count(*) filter (where d.status = %(bounced)s) as bounced_messages,
                   count(*) filter (where d.status = %(skipped)s and d.reason = %(reason)s) as skipped_bounced
              from alerts.deliveries d
             where {_FILTER}
             group by d.family
        ),
        reports as (
            select d.family,
                   count(*) filter (where b.kind = 'hard') as hard_bounces,
                   count(*) filter (where b.kind = 'soft') as soft_bounces,
                   count(distinct b.address) filter (where s.address is not null) as suppressed_addresses
              from alerts.bounces b
              join alerts.deliveries d on d.idempotency_key = b.idempotency_key
              left join alerts.suppressions s on s.address = b.address and s.lifted_at is null
             where {_FILTER}
             group by d.family
        )
        select coalesce(m.family, r.family), coalesce(m.waiting, 0), m.waiting_until,
               coalesce(m.bounced_messages, 0), coalesce(r.hard_bounces, 0), coalesce(r.soft_bounces, 0),
               coalesce(r.suppressed_addresses, 0), coalesce(m.skipped_bounced, 0)
          from messages m
          full join reports r on r.family = m.family
         order by 1
        """,
        _filters(family, date_from, date_to),
    ).fetchall()
    found = [
        FamilyDeliverability(
            family=name,
            waiting=waiting,
            waiting_until=until,
            bounced_messages=bounced,
            hard_bounces=hard,
            soft_bounces=soft,
            suppressed_addresses=suppressed,
            skipped_bounced=skipped,
        )
        for name, waiting, until, bounced, hard, soft, suppressed, skipped in rows
    ]
    return [item for item in found if any(value for name, value in item.items() if name != "family")]


def connection_use(conn: Any) -> list[ConnectionUse]:
    """Per SMTP connection with sending limits: its send slots used lately, and a slow-down."""
    rows = conn.execute(
        """
        with used as (
            select conn_id,
                   count(*) filter (where used_at > now() - interval '1 minute') as last_minute,
                   count(*) filter (where used_at > now() - interval '1 hour') as last_hour,
                   count(*) filter (where used_at > now() - interval '1 day') as last_day
              from alerts.send_slots
             where used_at > now() - interval '1 day'
             group by conn_id
        )
        select coalesce(u.conn_id, t.conn_id), coalesce(u.last_minute, 0), coalesce(u.last_hour, 0),
               coalesce(u.last_day, 0), case when t.until > now() then t.until end,
               case when t.until > now() then t.strikes else 0 end
          from used u
          full join alerts.send_throttles t on t.conn_id = u.conn_id
         order by 1
        """
    ).fetchall()
    return [
        ConnectionUse(
            conn_id=conn_id,
            sent_last_minute=minute,
            sent_last_hour=hour,
            sent_last_24h=day,
            slowed_down_until=until,
            slow_downs=strikes,
        )
        for conn_id, minute, hour, day, until, strikes in rows
    ]


def suppressed_by_source(conn: Any) -> dict[str, int]:
    """How many addresses are suppressed now, by source (`bounces`, `ops`)."""
    rows = conn.execute(
        "select source, count(*) from alerts.suppressions where lifted_at is null group by source"
    ).fetchall()
    return {source: int(n) for source, n in rows}
