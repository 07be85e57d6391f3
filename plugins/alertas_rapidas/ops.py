"""Ops commands on the delivery ledger: what runs did, and reopening one message for a resend.

    python -m alertas_rapidas.ops runs [--family KEY] [--since YYYY-MM-DD]
    python -m alertas_rapidas.ops deliveries --family KEY [--date YYYY-MM-DD]
    python -m alertas_rapidas.ops reopen --family KEY --recipient customer:42 --business-key statement:2026-10

Uses the `alerts_postgres` connection (e.g. `AIRFLOW_CONN_ALERTS_POSTGRES`). Output holds counts,
ids and states only; `reopen` marks one message `pending` so that the next run of its date sends
it again (and nothing else).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

from alertas_rapidas.connections import ALERTS_CONN_ID


def _runs(conn, family: str | None, since: date | None) -> None:
    rows = conn.execute(
        """
        select dag_id, run_id, run_date, finished_at, dry_run, summary
          from alerts.runs
         where (%(family)s::text is null or family = %(family)s)
           and (%(since)s::date is null or run_date >= %(since)s)
         order by finished_at desc
         limit 50
        """,
        {"family": family, "since": since},
    ).fetchall()
    print(
        f"{'run date':<11} {'dag id':<38} {'cand':>5} {'sent':>5} {'skip':>5} {'fail':>5} {'unkn':>5}  run id"
    )
    for dag_id, run_id, run_date, _finished, dry_run, summary in rows:
        skipped = sum((summary.get("skipped") or {}).values())
        flag = " (dry run)" if dry_run else ""
        print(
            f"{run_date!s:<11} {dag_id:<38} {summary.get('candidates', 0):>5} {summary.get('sent', 0):>5} "
            f"{skipped:>5} {summary.get('failed', 0):>5} {summary.get('unknown', 0):>5}  {run_id}{flag}"
        )


def _deliveries(conn, family: str, day: date | None) -> None:
    rows = conn.execute(
        """
        select run_date, status, coalesce(reason, ''), count(*)
          from alerts.deliveries
         where family = %(family)s and (%(day)s::date is null or run_date = %(day)s)
         group by 1, 2, 3
         order by 1 desc, 2, 3
        """,
        {"family": family, "day": day},
    ).fetchall()
    for run_date, status, reason, count in rows:
        print(f"{run_date!s:<11} {status:<9} {count:>6}  {reason}")


def _reopen(conn, family: str, recipient_ref: str, business_key: str) -> int:
    from alertas_rapidas.messages import idempotency_key

    key = idempotency_key(family, recipient_ref, business_key)
    row = conn.execute(
        """
        update alerts.deliveries
           set status = 'pending', reason = 'reopened by ops for a resend', updated_at = now()
         where idempotency_key = %s and status <> 'sending'
        returning status
        """,
        (key,),
    ).fetchone()
    if row is None:
        print("no such message in the ledger (or it is being sent right now)", file=sys.stderr)
        return 1
    print(f"reopened {family} {recipient_ref} {business_key}: the next run of its date sends it again")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m alertas_rapidas.ops", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    runs = commands.add_parser("runs", help="the last runs and what they did")
    runs.add_argument("--family")
    runs.add_argument("--since", type=date.fromisoformat)
    deliveries = commands.add_parser("deliveries", help="ledger counts by day, state and reason")
    deliveries.add_argument("--family", required=True)
    deliveries.add_argument("--date", type=date.fromisoformat)
    reopen = commands.add_parser("reopen", help="mark one message pending so the next run resends it")
    reopen.add_argument("--family", required=True)
    reopen.add_argument("--recipient", required=True, help="e.g. customer:42, employee:7, supplier:3")
    reopen.add_argument("--business-key", required=True, help="e.g. statement:2026-10")
    args = parser.parse_args(argv)

    from alertas_rapidas.ledger import ledger_connection

    with ledger_connection(ALERTS_CONN_ID) as conn:
        if args.command == "runs":
            _runs(conn, args.family, args.since)
        elif args.command == "deliveries":
            _deliveries(conn, args.family, args.date)
        else:
            return _reopen(conn, args.family, args.recipient, args.business_key)
    return 0


if __name__ == "__main__":
    sys.exit(main())
