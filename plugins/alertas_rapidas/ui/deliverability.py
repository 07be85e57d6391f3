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

from alertas_rapidas.ledger import deliverability as ledger_deliverability


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


def _json(rows: list[Any]) -> list[dict[str, Any]]:
    return [{name: _iso(value) for name, value in row.items()} for row in rows]


def deliverability(
    conn: Any, family: str | None = None, date_from: date | None = None, date_to: date | None = None
) -> dict[str, Any]:
    """The page's deliverability data (see the module's docstring); [] parts before the ledger has
    the tables (an older schema)."""
    if not ledger_deliverability.tables_ready(conn):
        return {"waiting": [], "families": [], "connections": [], "suppressed": {}}
    return {
        "waiting": _json(ledger_deliverability.waiting_runs(conn, family, date_from, date_to)),
        "families": _json(ledger_deliverability.by_family(conn, family, date_from, date_to)),
        "connections": _json(ledger_deliverability.connection_use(conn)),
        "suppressed": ledger_deliverability.suppressed_by_source(conn),
    }
