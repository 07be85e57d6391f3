"""Deliverability for the Alertas Rápidas page: what waits for a sending window, and what bounces.

`deliverability(conn, ...)` returns plain JSON-ready data (counts, ids, times in ISO 8601 UTC;
never an address or a recipient reference), read from `alerts_postgres`:

- `waiting`: the runs whose messages wait for a sending limit's window or a slow-down back-off
  now: family, DAG and run ids, run date, how many, until when, why;
- `families`: per family, messages waiting (and until when), messages bounced, hard and soft
  bounces, the suppressed addresses its messages bounced from, and messages skipped because the
  address is suppressed (`bounced`);
- `connections`: per SMTP connection with sending limits, the messages sent in the last minute,
  hour and 24 hours (its send slots), and a running slow-down back-off;
- `suppressed`: addresses suppressed now, by source (`bounces`, `ops`).

The family and run-date filters are the page's (`family`, `date_from`, `date_to`, inclusive).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from alertas_rapidas.delivery.states import DeliveryState
from alertas_rapidas.ledger.suppressions import REASON as BOUNCED_REASON

_FILTER = """
    (%(family)s::text is null or d.family = %(family)s::text)
    and (%(date_from)s::date is null or d.run_date >= %(date_from)s::date)
    and (%(date_to)s::date is null or d.run_date <= %(date_to)s::date)
"""


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


def deliverability(
    conn: Any, family: str | None = None, date_from: date | None = None, date_to: date | None = None
) -> dict[str, Any]:
    """The page's deliverability data (see the module's docstring); [] parts before the ledger has
    the tables (an older schema)."""
    ready = conn.execute(
        "select to_regclass('alerts.bounces') is not null and to_regclass('alerts.send_slots') is not null"
    ).fetchone()[0]
    if not ready:
        return {"waiting": [], "families": [], "connections": [], "suppressed": {}}
    params = {
        "family": family,
        "date_from": date_from,
        "date_to": date_to,
        "waiting": DeliveryState.WAITING,
        "bounced": DeliveryState.BOUNCED,
        "skipped": DeliveryState.SKIPPED,
        "reason": BOUNCED_REASON,
    }
    return {
        "waiting": _waiting(conn, params),
        "families": _families(conn, params),
        "connections": _connections(conn),
        "suppressed": dict(
            conn.execute(
                "select source, count(*) from alerts.suppressions where lifted_at is null group by source"
            ).fetchall()
        ),
    }


def _waiting(conn: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
    rows = conn.execute(
        f"""
        select d.family, d.dag_id, d.run_id, d.run_date, count(*), max(d.not_before),
               mode() within group (order by d.reason)
          from alerts.deliveries d
         where d.status = %(waiting)s and {_FILTER}
         group by d.family, d.dag_id, d.run_id, d.run_date
         order by max(d.not_before), d.family, d.run_id
        """,
        params,
    ).fetchall()
    names = ("family", "dag_id", "run_id", "run_date", "waiting", "until", "reason")
    return [{name: _iso(value) for name, value in zip(names, row, strict=True)} for row in rows]


def _families(conn: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
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
        params,
    ).fetchall()
    names = (
        "family",
        "waiting",
        "waiting_until",
        "bounced_messages",
        "hard_bounces",
        "soft_bounces",
        "suppressed_addresses",
        "skipped_bounced",
    )
    found = [{name: _iso(value) for name, value in zip(names, row, strict=True)} for row in rows]
    return [item for item in found if any(item[name] for name in names[1:])]


def _connections(conn: Any) -> list[dict[str, Any]]:
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
    names: tuple[str, ...] = ("conn_id", "sent_last_minute", "sent_last_hour", "sent_last_24h")
    names += ("slowed_down_until", "slow_downs")
    return [{name: _iso(value) for name, value in zip(names, row, strict=True)} for row in rows]
