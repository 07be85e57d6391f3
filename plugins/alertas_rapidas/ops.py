"""Ops commands on the delivery ledger: what runs did, and reopening one message for a resend.

    python -m alertas_rapidas.ops runs [--family KEY] [--since YYYY-MM-DD] [--json]
    python -m alertas_rapidas.ops deliveries --family KEY [--date YYYY-MM-DD] [--json]
    python -m alertas_rapidas.ops reopen --family KEY --recipient customer:42 \
        --business-key statement:2026-10 [--json]
    python -m alertas_rapidas.ops housekeeping [--older-than DAYS] [--dry-run]
    python -m alertas_rapidas.ops purge --before YYYY-MM-DD [--dry-run]
    python -m alertas_rapidas.ops unsubscribes [--family KEY] [--json] | --add TOKEN [--all]
        | --remove customer:42 (--family KEY | --all)

Uses the `alerts_postgres` connection (e.g. `AIRFLOW_CONN_ALERTS_POSTGRES`). Output holds counts,
ids and states only: `runs` gives each run's mode (normal, dry run or redirected, never the test
address) and what an earlier run had already sent. `reopen` marks one message `pending` so that the
next run of its date sends it again (and nothing else). `housekeeping` removes run folders
(rendered messages, extracts) older than `ALERTAS_RETENTION_DAYS` (default 30) and needs no
database; `purge` drops the addresses of ledger rows of run dates before a date at least
`ALERTAS_PURGE_MIN_AGE_DAYS` (default 30) ago, keeping what proves delivery (see
alertas_rapidas.retention). A refused date exits with code 2.

Exit codes: 0 done; 1 nothing found (no runs, no deliveries, no such message); 2 bad arguments
(unknown family, malformed date, refused purge date); 3 the ledger cannot be reached (connection
not defined or database down). Every error is one line on stderr. After `make demo`, the demo's
embedded ledger is reached with `make ops ARGS="runs"` (tools/alertas_dev/demo/ops.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from alertas_rapidas.connections import ALERTS_CONN_ID

NOT_FOUND, BAD_ARGS, NO_LEDGER = 1, 2, 3


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line (no usage block) and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(BAD_ARGS, f"{self.prog}: error: {message}\n")


def _fail(message: str, code: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def _print_json(value: object) -> None:
    print(json.dumps(value, default=str, indent=2))


def known_families() -> list[str]:
    from alertas_rapidas.paths import FAMILIES_DIR

    return sorted(p.stem for p in FAMILIES_DIR.glob("*.yaml") if not p.stem.startswith("_"))


def _check_family(family: str | None) -> str | None:
    """None when the family is known (or not given), else the one-line error."""
    if family is None or family in known_families():
        return None
    return f"unknown family {family!r}: see dags/families/*.yaml (e.g. customer_statements)"


def _runs(conn, family: str | None, since: date | None, as_json: bool = False) -> int:
    """The last runs: what each did, in counts, and its mode (`dry run`: nothing sent; `redirected`:
    every message went to one test address, the ledger untouched; `normal`)."""
    from alertas_rapidas.summary import RunSummary

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
    runs = [
        (dag_id, run_id, run_date, finished, dry_run, summary, RunSummary.read(summary))
        for dag_id, run_id, run_date, finished, dry_run, summary in rows
    ]
    if as_json:
        _print_json(
            [
                {
                    "run_date": run_date,
                    "dag_id": dag_id,
                    "run_id": run_id,
                    "finished_at": finished,
                    "mode": read.mode,
                    "dry_run": dry_run,
                    "redirected": read.mode == "redirected",
                    "already_sent": read.already_sent,
                    "summary": summary,
                }
                for dag_id, run_id, run_date, finished, dry_run, summary, read in runs
            ]
        )
    if not rows:
        return _fail(
            "no runs found"
            + (f" for family {family}" if family else "")
            + (f" since {since}" if since else ""),
            NOT_FOUND,
        )
    if as_json:
        return 0
    print(
        f"{'run date':<11} {'dag id':<38} {'mode':<10} {'cand':>5} {'sent':>5} {'already':>7} "
        f"{'skip':>5} {'fail':>5} {'unkn':>5}  run id"
    )
    for dag_id, run_id, run_date, _finished, _dry_run, _summary, read in runs:
        # a redirected run's messages went to the test address: they are its "sent"
        sent = read.redirected if read.mode == "redirected" else read.sent
        print(
            f"{run_date!s:<11} {dag_id:<38} {read.mode:<10} {read.candidates:>5} {sent:>5} "
            f"{read.already_sent:>7} {read.skipped_total:>5} {read.failed:>5} {read.unknown:>5}  {run_id}"
        )
    return 0


def _deliveries(conn, family: str, day: date | None, as_json: bool = False) -> int:
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
    if as_json:
        _print_json(
            [
                {"run_date": run_date, "status": status, "reason": reason, "count": count}
                for run_date, status, reason, count in rows
            ]
        )
    if not rows:
        return _fail(f"no deliveries found for family {family}" + (f" on {day}" if day else ""), NOT_FOUND)
    if not as_json:
        for run_date, status, reason, count in rows:
            print(f"{run_date!s:<11} {status:<9} {count:>6}  {reason}")
    return 0


def _reopen(conn, family: str, recipient_ref: str, business_key: str, as_json: bool = False) -> int:
    from alertas_rapidas.delivery_state import MOVES, DeliveryState
    from alertas_rapidas.messages import idempotency_key

    key = idempotency_key(family, recipient_ref, business_key)
    row = conn.execute(
        """
        update alerts.deliveries
           set status = %s, reason = 'reopened by ops for a resend', updated_at = now()
         where idempotency_key = %s and status = any(%s)
        returning status
        """,
        (DeliveryState.PENDING, key, MOVES["reopen"].source_states()),
    ).fetchone()
    if as_json:
        _print_json(
            {
                "family": family,
                "recipient": recipient_ref,
                "business_key": business_key,
                "reopened": row is not None,
            }
        )
    if row is None:
        return _fail("no such message in the ledger (or it is being sent right now)", NOT_FOUND)
    if not as_json:
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
    parser = _Parser(prog="python -m alertas_rapidas.ops", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    runs = commands.add_parser("runs", help="the last runs and what they did")
    runs.add_argument("--family")
    runs.add_argument("--since", type=_iso_date, metavar="YYYY-MM-DD")
    runs.add_argument("--json", action="store_true", help="print JSON instead of a table")
    deliveries = commands.add_parser("deliveries", help="ledger counts by day, state and reason")
    deliveries.add_argument("--family", required=True)
    deliveries.add_argument("--date", type=_iso_date, metavar="YYYY-MM-DD")
    deliveries.add_argument("--json", action="store_true", help="print JSON instead of a table")
    reopen = commands.add_parser("reopen", help="mark one message pending so the next run resends it")
    reopen.add_argument("--family", required=True)
    reopen.add_argument("--recipient", required=True, help="e.g. customer:42, employee:7, supplier:3")
    reopen.add_argument("--business-key", required=True, help="e.g. statement:2026-10")
    reopen.add_argument("--json", action="store_true", help="print the outcome as JSON")
    house = commands.add_parser("housekeeping", help="remove run folders older than the retention period")
    house.add_argument("--older-than", type=int, metavar="DAYS", help="default: ALERTAS_RETENTION_DAYS or 30")
    house.add_argument("--dry-run", action="store_true", help="list what would be removed, remove nothing")
    purge = commands.add_parser("purge", help="drop the addresses of ledger rows before a date")
    purge.add_argument("--before", required=True, type=_iso_date, metavar="YYYY-MM-DD")
    purge.add_argument("--dry-run", action="store_true", help="count the rows, change nothing")
    _unsubscribes_parser(commands)
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

    problem = _check_family(getattr(args, "family", None))
    if problem:
        return _fail(problem, BAD_ARGS)

    try:
        conn_context, conn = _ledger()
    except _LedgerUnavailable as exc:
        return _fail(str(exc), NO_LEDGER)
    try:
        if args.command == "runs":
            return _runs(conn, args.family, args.since, args.json)
        if args.command == "deliveries":
            return _deliveries(conn, args.family, args.date, args.json)
        if args.command == "purge":
            return _purge(conn, args.before, args.dry_run)
        if args.command == "unsubscribes":
            return _unsubscribes(conn, args)
        return _reopen(conn, args.family, args.recipient, args.business_key, args.json)
    finally:
        conn_context.__exit__(None, None, None)


def _unsubscribes_parser(commands: argparse._SubParsersAction) -> None:
    unsub = commands.add_parser(
        "unsubscribes", help="who unsubscribed from recurring alerts (List-Unsubscribe)"
    )
    unsub.add_argument("--family", help="only this family's (and the all-families ones)")
    unsub.add_argument("--json", action="store_true", help="print JSON instead of a table")
    unsub.add_argument(
        "--add", metavar="TOKEN", help="record what a token asks (a mail to unsubscribe.mailto)"
    )
    unsub.add_argument("--remove", metavar="REF", help="subscribe a recipient (e.g. customer:42) again")
    unsub.add_argument("--all", action="store_true", help="with --add or --remove: every recurring family")


def _unsubscribes(conn, args: argparse.Namespace) -> int:
    """List the unsubscribes (recipient references, never addresses), or add or remove one.
    Exit codes: 0 done, 1 none found (or nothing to remove), 2 a bad token or arguments."""
    from alertas_rapidas import unsubscribes as unsub

    def fail(message: str, code: int) -> int:
        print(f"error: {message}", file=sys.stderr)
        return code

    if args.add:
        try:
            token = unsub.read_token(unsub.read_secret(), args.add.strip())
        except unsub.TokenError as exc:
            return fail(f"--add: {exc}", 2)
        family = unsub.ALL if args.all else token.family
        new = unsub.record(conn, family, token.recipient_ref, "mailto")
        print(
            f"{'recorded' if new else 'already recorded'}: {token.recipient_ref} unsubscribed from {family}"
        )
        return 0
    if args.remove:
        if bool(args.family) == bool(args.all):
            return fail("--remove needs --family KEY or --all (the unsubscribe to undo)", 2)
        family = unsub.ALL if args.all else args.family
        if not unsub.remove(conn, family, args.remove):
            return fail(f"{args.remove} is not unsubscribed from {family}", 1)
        print(f"removed: {args.remove} receives {family} again")
        return 0
    rows = unsub.listing(conn, args.family)
    if args.json:
        import json

        print(json.dumps(rows, default=str, indent=2))
    if not rows:
        return fail("no unsubscribes" + (f" for family {args.family}" if args.family else ""), 1)
    if not args.json:
        print(f"{'since':<16} {'family (* = all)':<34} {'source':<9} recipient")
        for row in rows:
            when = row["unsubscribed_at"].strftime("%Y-%m-%d %H:%M")
            print(f"{when:<16} {row['family']:<34} {row['source']:<9} {row['recipient_ref']}")
    return 0


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date written YYYY-MM-DD (e.g. 2026-11-01)"
        ) from None


class _LedgerUnavailable(RuntimeError):
    pass


def _ledger():
    """The ledger connection's context manager, opened; one-line errors when it cannot be."""
    from airflow.sdk.exceptions import AirflowNotFoundException

    from alertas_rapidas.ledger import ledger_connection

    context = ledger_connection(ALERTS_CONN_ID)
    try:
        conn = context.__enter__()
    except AirflowNotFoundException:
        raise _LedgerUnavailable(
            f"connection {ALERTS_CONN_ID!r} is not defined: set AIRFLOW_CONN_ALERTS_POSTGRES "
            '(after `make demo`, use `make ops ARGS="runs"`, which reaches the demo\'s ledger)'
        ) from None
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise _LedgerUnavailable(f"cannot reach the ledger through {ALERTS_CONN_ID!r}: {first}") from None
    return context, conn


if __name__ == "__main__":
    sys.exit(main())
