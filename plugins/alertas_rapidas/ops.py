"""Ops commands on the delivery ledger: what runs did, and reopening one message for a resend.

    python -m alertas_rapidas.ops runs [--family KEY] [--since YYYY-MM-DD]
    python -m alertas_rapidas.ops deliveries --family KEY [--date YYYY-MM-DD]
    python -m alertas_rapidas.ops reopen --family KEY --recipient customer:42 --business-key statement:2026-10
    python -m alertas_rapidas.ops housekeeping [--older-than DAYS] [--dry-run]
    python -m alertas_rapidas.ops purge --before YYYY-MM-DD [--dry-run]

Uses the `alerts_postgres` connection (e.g. `AIRFLOW_CONN_ALERTS_POSTGRES`). Output holds counts,
ids and states only; `reopen` marks one message `pending` so that the next run of its date sends
it again (and nothing else). `housekeeping` removes run folders (rendered messages, extracts) older
than `ALERTAS_RETENTION_DAYS` (default 30) and needs no database; `purge` drops the addresses of
ledger rows of run dates before a date at least `ALERTAS_PURGE_MIN_AGE_DAYS` (default 30) ago,
keeping what proves delivery (see alertas_rapidas.retention). A refused date exits with code 2.
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


def _housekeeping(older_than: int | None, dry_run: bool) -> int:
    from alertas_rapidas.retention import housekeeping

    try:
        report = housekeeping(older_than, dry_run=dry_run)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for line in report.lines():
        print(line)
    return 0


def _purge(conn, before: date, dry_run: bool) -> int:
    from alertas_rapidas.retention import purge_addresses

    count = purge_addresses(conn, before, dry_run=dry_run)
    verb = "would purge" if dry_run else "purged"
    print(f"{verb} the addresses of {count} ledger row(s) with a run date before {before}")
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
    house = commands.add_parser("housekeeping", help="remove run folders older than the retention period")
    house.add_argument("--older-than", type=int, metavar="DAYS", help="default: ALERTAS_RETENTION_DAYS or 30")
    house.add_argument("--dry-run", action="store_true", help="list what would be removed, remove nothing")
    purge = commands.add_parser("purge", help="drop the addresses of ledger rows before a date")
    purge.add_argument("--before", required=True, type=date.fromisoformat, metavar="YYYY-MM-DD")
    purge.add_argument("--dry-run", action="store_true", help="count the rows, change nothing")
    args = parser.parse_args(argv)

    if args.command == "housekeeping":
        return _housekeeping(args.older_than, args.dry_run)
    if args.command == "purge":
        from alertas_rapidas.retention import PurgeRefused, check_purge_date

        try:
            check_purge_date(args.before)
        except (PurgeRefused, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2

    from alertas_rapidas.ledger import ledger_connection

    with ledger_connection(ALERTS_CONN_ID) as conn:
        if args.command == "runs":
            _runs(conn, args.family, args.since)
        elif args.command == "deliveries":
            _deliveries(conn, args.family, args.date)
        elif args.command == "purge":
            return _purge(conn, args.before, args.dry_run)
        else:
            return _reopen(conn, args.family, args.recipient, args.business_key)
    return 0


if __name__ == "__main__":
    sys.exit(main())
