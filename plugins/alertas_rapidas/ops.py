"""Ops commands on the delivery ledger: what runs did, and reopening one message for a resend.

    python -m alertas_rapidas.ops runs [--family KEY] [--since YYYY-MM-DD] [--json]
    python -m alertas_rapidas.ops deliveries --family KEY [--date YYYY-MM-DD] [--json]
    python -m alertas_rapidas.ops deliveries [--family KEY] --state unknown [--date ...] [--json]
    python -m alertas_rapidas.ops reopen --family KEY --recipient customer:42 \
        --business-key statement:2026-10 [--json]
    python -m alertas_rapidas.ops housekeeping [--older-than DAYS] [--dry-run]
    python -m alertas_rapidas.ops purge --before YYYY-MM-DD [--dry-run]
    python -m alertas_rapidas.ops unsubscribes [--family KEY] [--json] | --add TOKEN [--all]
        | --remove customer:42 (--family KEY | --all)
    python -m alertas_rapidas.ops mute --family KEY --why "..." [--since ...] [--until YYYY-MM-DD[THH:MM]]
    python -m alertas_rapidas.ops unmute --family KEY [--by NAME]
    python -m alertas_rapidas.ops mutes [--family KEY] [--json]
    python -m alertas_rapidas.ops suppressions [--json] | --add ADDRESS --why "..." [--by NAME]
        | --remove ADDRESS --why "..." [--by NAME] | --history ADDRESS
    python -m alertas_rapidas.ops migrate [--dry-run]
    python -m alertas_rapidas.ops secrets [rotate NAME | reveal NAME]
    python -m alertas_rapidas.ops settings show|set|unset|history|revert|off|on --family KEY ...

Uses the `alerts_postgres` connection (e.g. `AIRFLOW_CONN_ALERTS_POSTGRES`). Output holds counts,
ids, states and one-line causes only: `runs` gives each run's mode (normal, dry run or redirected,
never the test address) and what an earlier run had already sent. `reopen` marks one message
`pending` so that the next run of its date sends it again (and nothing else). `deliveries --state
S` lists the messages in state S one by one (DMS references, never addresses), e.g. the `unknown`
ones a failure notice names. `mute` stops a family from sending from now on (until a time in the
family's zone, or until `unmute`), with who and why; runs in the period send nothing and nothing is
caught up later. `suppressions` lists the addresses no message goes to (they bounce: docs
"Bounces"), with who and why; it shows addresses on purpose (personal data). `--add` suppresses one
by hand, `--remove` lifts one (its bounce score starts again), both with who (`--by`, default the
login name) and why. `migrate` applies the ledger's pending schema migrations (`--dry-run` lists them
and the version). `secrets` lists the link secrets and where each comes from (never a value);
`secrets rotate NAME` replaces the package's own secret NAME, which invalidates every link signed
with the old one; `secrets reveal NAME` prints one (to configure the survey site), on purpose only.
`settings` tunes a family without a deploy (alertas_rapidas.ops_settings: its exit codes 4 and 5).
`housekeeping` removes run folders (rendered messages, extracts) older than
`ALERTAS_RETENTION_DAYS` (default 30) and needs no database; `purge` drops the addresses of ledger
rows of run dates before a date at least `ALERTAS_PURGE_MIN_AGE_DAYS` (default 30) ago, keeping
what proves delivery (see alertas_rapidas.ledger.retention). A refused date exits with code 2.

Exit codes: 0 done; 1 nothing found (no runs, no deliveries, no such message); 2 bad arguments
(unknown family, malformed date, refused purge date); 3 the ledger cannot be reached (connection
not defined or database down). Every error is one line on stderr. After `make demo`, the demo's
embedded ledger is reached with `make ops ARGS="runs"` (tools/alertas_dev/demo/ops.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime

from alertas_rapidas.connections import ALERTS_CONN_ID
from alertas_rapidas.delivery.states import DeliveryState

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


def _check_family(family: str | None) -> str | None:
    """None when the family is known (or not given), else the one-line error."""
    from alertas_rapidas.families.registry import family_keys

    if family is None or family in family_keys():
        return None
    return f"unknown family {family!r}: see dags/families/*.yaml (e.g. customer_statements)"


def _runs(conn, family: str | None, since: date | None, as_json: bool = False) -> int:
    """The last runs: what each did, in counts, and its mode (`dry run`: nothing sent; `redirected`:
    every message went to one test address, the ledger untouched; `normal`); the runs whose
    messages wait for a sending window."""
    from alertas_rapidas.ledger import runs as run_log
    from alertas_rapidas.ledger import task_failures
    from alertas_rapidas.ledger.deliverability import waiting_runs
    from alertas_rapidas.summary import RunSummary

    failing = task_failures.unsummarised(conn, f"alert_{family}" if family else None) if since is None else []
    waiting = [w for w in waiting_runs(conn, family) if since is None or (w["run_date"] or since) >= since]
    rows = run_log.latest(conn, family=family, date_from=since)
    runs = [
        (r.dag_id, r.run_id, r.run_date, r.finished_at, r.dry_run, r.summary, RunSummary.read(r.summary))
        for r in rows
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
            + [{**item, "summary": None} for item in failing]
            + [{**item, "summary": None} for item in waiting]
        )
    if not rows and not failing and not waiting:
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
    for item in waiting:  # runs still going: their messages wait for a sending window
        until = item["until"].strftime("%Y-%m-%d %H:%M UTC") if item["until"] else "?"
        print(f"{item['run_date']!s:<11} {item['dag_id']:<38} {'':>48}  {item['run_id']}")
        print(f"{'':<11} ~ {item['waiting']} message(s) waiting until {until}: {item['reason']}")
    for dag_id, run_id, run_date, _finished, _dry_run, _summary, read in runs:
        # a redirected run's messages went to the test address: they are its "sent"
        sent = read.redirected if read.mode == "redirected" else read.sent
        unknown = read.unknown + read.stranded
        print(
            f"{run_date!s:<11} {dag_id:<38} {read.mode:<10} {read.candidates:>5} {sent:>5} "
            f"{read.already_sent:>7} {read.skipped_total:>5} {read.failed:>5} {unknown:>5}  {run_id}"
        )
        for problem in read.problems:
            print(f"{'':<11} ! {problem}")
        if read.waited:
            print(f"{'':<11} ~ waited {read.waited} for sending limits (the last until {read.waited_until})")
    for failure in failing:
        print(f"{'(no summary)':<11} {failure['dag_id']:<38} {'':>48}  {failure['run_id']}")
        for cause in failure["causes"]:
            print(f"{'':<11} ! {cause}")
    return 0


def _messages_in_state(conn, family: str | None, state: str, day: date | None, as_json: bool) -> int:
    """The messages in one state, one line each: DMS reference, business key, reason."""
    from alertas_rapidas.ledger.message_states import in_state

    rows = in_state(conn, state, family=family, run_date=day)
    if as_json:
        _print_json(rows)
    if not rows:
        where = (f" of family {family}" if family else "") + (f" on {day}" if day else "")
        return _fail(f"no {state} messages{where}", NOT_FOUND)
    if not as_json:
        for row in rows:
            print(
                f"{row['run_date']!s:<11} {row['family']:<32} {row['recipient_ref']:<16} "
                f"{row['business_key']:<28} {row['attempts']:>2}  {row['reason']}"
            )
    return 0


def _deliveries(conn, family: str, day: date | None, as_json: bool = False) -> int:
    from alertas_rapidas.ledger.delivery_counts import by_day_state_and_reason

    rows = by_day_state_and_reason(conn, family, day)
    if as_json:
        _print_json([vars(row) for row in rows])
    if not rows:
        return _fail(f"no deliveries found for family {family}" + (f" on {day}" if day else ""), NOT_FOUND)
    if not as_json:
        for row in rows:
            print(f"{row.run_date!s:<11} {row.status:<9} {row.count:>6}  {row.reason}")
    return 0


def _reopen(conn, family: str, recipient_ref: str, business_key: str, as_json: bool = False) -> int:
    from alertas_rapidas.contracts.plan import idempotency_key
    from alertas_rapidas.ledger.message_states import reopen

    reopened = reopen(conn, idempotency_key(family, recipient_ref, business_key))
    if as_json:
        _print_json(
            {
                "family": family,
                "recipient": recipient_ref,
                "business_key": business_key,
                "reopened": reopened,
            }
        )
    if not reopened:
        return _fail("no such message in the ledger (or it is being sent right now)", NOT_FOUND)
    if not as_json:
        print(f"reopened {family} {recipient_ref} {business_key}: the next run of its date sends it again")
    return 0


def _mutes(conn, args: argparse.Namespace) -> int:
    import getpass

    from alertas_rapidas.ledger import mutes

    by = (getattr(args, "by", None) or getpass.getuser() or "ops").strip()
    if args.command == "mute":
        try:
            until = _local_instant(args.until, args.family) if args.until else None
            since = _local_instant(args.since, args.family) if args.since else None
            found = mutes.mute(conn, args.family, by=by, reason=args.why, until=until, since=since)
        except (mutes.MuteError, ValueError) as exc:
            return _fail(f"--until/--why: {exc}", BAD_ARGS)
        print(f"{args.family} is {found.describe()}")
        return 0
    if args.command == "unmute":
        ended = mutes.unmute(conn, args.family, by=by)
        if not ended:
            return _fail(f"{args.family} is not muted", NOT_FOUND)
        print(f"{args.family} sends again from its next run (ended by {by}; nothing is caught up)")
        return 0
    listed = mutes.history(conn, args.family) if args.family else mutes.active(conn)
    if args.json:
        _print_json([item.to_dict() for item in listed])
    if not listed:
        return _fail("no mutes" + (f" for family {args.family}" if args.family else " in force"), NOT_FOUND)
    if not args.json:
        for item in listed:
            ending = f" (ended {item.ended_at:%Y-%m-%d %H:%M} by {item.ended_by})" if item.ended_at else ""
            print(f"{item.family:<34} {item.describe()}{ending}")
    return 0


def _local_instant(text: str, family: str) -> datetime:
    """`YYYY-MM-DD` (midnight) or `YYYY-MM-DDTHH:MM` in the family's time zone."""
    from zoneinfo import ZoneInfo

    from alertas_rapidas.families.registry import load_config

    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None
    if value.tzinfo is None:
        zone = load_config(family)[0].timezone
        value = value.replace(tzinfo=ZoneInfo(zone))
    return value


def _migrate(conn, dry_run: bool) -> int:
    from alertas_rapidas.ledger import migrations

    version = migrations.current_version(conn)
    pending = migrations.pending(conn)
    shown = "none (no ledger yet)" if version is None else str(version)
    print(f"ledger version {shown}; latest {migrations.latest_version()}")
    for name in migrations.changed(conn):
        print(f"warning: migration {name} was edited after it was applied (a change is a new file)")
    if not pending:
        print("nothing to apply")
        return 0
    if dry_run:
        for migration in pending:
            print(f"would apply {migration.label}")
        return 0
    for migration in migrations.migrate(conn):
        print(f"applied {migration.label}")
    return 0


def _secrets(conn, action: str, name: str | None) -> int:
    from alertas_rapidas.ledger import link_secrets

    if action == "list":
        print(f"{'secret':<30} {'source':<9} {'created':<17} rotated")
        for item in link_secrets.listing(conn):
            created, rotated = (
                item[k].strftime("%Y-%m-%d %H:%M") if item[k] else "-" for k in ("created_at", "rotated_at")
            )
            print(f"{item['name']:<30} {item['source']:<9} {created:<17} {rotated}")
        return 0
    if name is None:
        return _fail(f"{action} needs the secret's name", BAD_ARGS)
    if link_secrets.variable_value(name) is not None:
        return _fail(
            f"{name} comes from an Airflow Variable (or secrets backend): change it there, not here", BAD_ARGS
        )
    if action == "reveal":
        print(link_secrets.stored_secret(conn, name))
        return 0
    if not link_secrets.rotate(conn, name):
        return _fail(f"the package holds no secret {name!r} yet (it is created when first needed)", NOT_FOUND)
    print(
        f"rotated {name}: links signed with the old value no longer verify "
        "(unsubscribe links in mails already sent answer 'not valid'; a survey site needs the new value)"
    )
    return 0


def _housekeeping(older_than: int | None, dry_run: bool) -> int:
    from alertas_rapidas.ledger.retention import housekeeping

    try:
        report = housekeeping(older_than, dry_run=dry_run)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for line in report.lines():
        print(line)
    return 0


def _purge(conn, before: date, dry_run: bool) -> int:
    from alertas_rapidas.ledger.retention import purge_addresses

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
    deliveries.add_argument("--family", help="required unless --state is given")
    deliveries.add_argument("--date", type=_iso_date, metavar="YYYY-MM-DD")
    deliveries.add_argument(
        "--state", choices=[str(s) for s in DeliveryState], help="list the messages in this state, one by one"
    )
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
    suppressions = commands.add_parser(
        "suppressions", help="addresses no message goes to (they bounce); shows addresses: personal data"
    )
    suppressions.add_argument("--json", action="store_true", help="print JSON instead of a table")
    suppressions.add_argument("--add", metavar="ADDRESS", help="suppress an address by hand")
    suppressions.add_argument("--remove", metavar="ADDRESS", help="lift an address's suppression")
    suppressions.add_argument("--history", metavar="ADDRESS", help="every suppression of one address")
    suppressions.add_argument("--why", help="with --add or --remove: the reason, kept with it")
    suppressions.add_argument("--by", help="with --add or --remove: who (default: the login name)")
    mute = commands.add_parser("mute", help="stop a family from sending for a while (who, why, until)")
    mute.add_argument("--family", required=True)
    mute.add_argument("--why", required=True, help="the reason, shown wherever the mute is")
    mute.add_argument(
        "--until", metavar="YYYY-MM-DD[THH:MM]", help="in the family's time zone; default: until unmute"
    )
    mute.add_argument(
        "--since", metavar="YYYY-MM-DD[THH:MM]", help="default: now; earlier also mutes backfills since then"
    )
    mute.add_argument("--by", help="who mutes (default: the login name)")
    unmute = commands.add_parser("unmute", help="end a family's mute now")
    unmute.add_argument("--family", required=True)
    unmute.add_argument("--by", help="who ends it (default: the login name)")
    mutes = commands.add_parser("mutes", help="the mutes in force (with --family, its whole history)")
    mutes.add_argument("--family")
    mutes.add_argument("--json", action="store_true", help="print JSON instead of a table")
    migrate = commands.add_parser("migrate", help="apply the ledger's pending schema migrations")
    migrate.add_argument("--dry-run", action="store_true", help="list them and the ledger's version only")
    secrets = commands.add_parser("secrets", help="the link secrets: where each comes from, rotate one")
    secrets.add_argument("action", nargs="?", choices=["list", "rotate", "reveal"], default="list")
    secrets.add_argument("name", nargs="?", help="e.g. alertas_unsubscribe_secret")
    from alertas_rapidas import ops_settings

    ops_settings.add_parser(commands)
    args = parser.parse_args(argv)
    if args.command == "deliveries" and not (args.family or args.state):
        return _fail("deliveries needs --family KEY (or --state STATE to list messages)", BAD_ARGS)
    if args.command == "secrets" and args.action != "list" and not args.name:
        return _fail(f"secrets {args.action} needs a NAME (see `secrets` for the names)", BAD_ARGS)

    if args.command == "housekeeping":
        return _housekeeping(args.older_than, args.dry_run)
    if args.command == "purge":
        from alertas_rapidas.ledger.retention import PurgeRefused, check_purge_date

        try:
            check_purge_date(args.before)
        except (PurgeRefused, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2

    problem = _check_family(getattr(args, "family", None))
    if problem:
        return _fail(problem, BAD_ARGS)

    try:
        conn_context, conn = _ledger(migrate=args.command != "migrate")
    except _LedgerUnavailable as exc:
        return _fail(str(exc), NO_LEDGER)
    try:
        if args.command == "runs":
            return _runs(conn, args.family, args.since, args.json)
        if args.command == "deliveries" and args.state:
            return _messages_in_state(conn, args.family, args.state, args.date, args.json)
        if args.command == "deliveries":
            return _deliveries(conn, args.family, args.date, args.json)
        if args.command == "migrate":
            return _migrate(conn, args.dry_run)
        if args.command in ("mute", "unmute", "mutes"):
            return _mutes(conn, args)
        if args.command == "secrets":
            return _secrets(conn, args.action, args.name)
        if args.command == "settings":
            return ops_settings.run(conn, args)
        if args.command == "purge":
            return _purge(conn, args.before, args.dry_run)
        if args.command == "unsubscribes":
            return _unsubscribes(conn, args)
        if args.command == "suppressions":
            return _suppressions(conn, args)
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
    from alertas_rapidas.ledger import unsubscribes as stored
    from alertas_rapidas.ledger.link_secrets import UNSUBSCRIBE, link_secret

    def fail(message: str, code: int) -> int:
        print(f"error: {message}", file=sys.stderr)
        return code

    if args.add:
        try:
            token = unsub.read_token(link_secret(UNSUBSCRIBE), args.add.strip())
        except unsub.TokenError as exc:
            return fail(f"--add: {exc}", 2)
        family = stored.ALL if args.all else token.family
        new = stored.record(conn, family, token.recipient_ref, "mailto")
        print(
            f"{'recorded' if new else 'already recorded'}: {token.recipient_ref} unsubscribed from {family}"
        )
        return 0
    if args.remove:
        if bool(args.family) == bool(args.all):
            return fail("--remove needs --family KEY or --all (the unsubscribe to undo)", 2)
        family = stored.ALL if args.all else args.family
        if not stored.remove(conn, family, args.remove):
            return fail(f"{args.remove} is not unsubscribed from {family}", 1)
        print(f"removed: {args.remove} receives {family} again")
        return 0
    rows = stored.listing(conn, args.family)
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


def _suppressions(conn, args: argparse.Namespace) -> int:
    """List the suppressed addresses (personal data, on purpose), or add, lift or trace one.
    Exit codes: 0 done, 1 none found (or nothing to change), 2 bad arguments."""
    import getpass

    from alertas_rapidas.ledger import suppressions

    by = (args.by or getpass.getuser() or "ops").strip()
    if args.add or args.remove:
        if not (args.why or "").strip():
            return _fail("--add and --remove need --why: the reason is kept with the change", BAD_ARGS)
        if args.add:
            if "@" not in args.add:
                return _fail(f"--add: {args.add!r} is not an e-mail address", BAD_ARGS)
            if not suppressions.suppress(conn, args.add, source="ops", reason=args.why, by=by):
                return _fail(f"{suppressions.normalised(args.add)} is already suppressed", NOT_FOUND)
            print(f"suppressed {suppressions.normalised(args.add)} (by {by}: {args.why.strip()})")
            return 0
        if not suppressions.lift(conn, args.remove, by=by, why=args.why):
            return _fail(f"{suppressions.normalised(args.remove)} is not suppressed", NOT_FOUND)
        print(f"lifted {suppressions.normalised(args.remove)}: messages go to it again (by {by})")
        return 0
    rows = suppressions.history(conn, args.history) if args.history else suppressions.in_force(conn)
    if args.json:
        _print_json(rows)
    if not rows:
        return _fail(
            f"no suppressions of {args.history}" if args.history else "no suppressed addresses", NOT_FOUND
        )
    if not args.json:
        for row in rows:
            when = row["created_at"].strftime("%Y-%m-%d %H:%M")
            line = (
                f"{when:<16} {row['address']:<40} {row['source']:<7} {row['created_by']:<16} {row['reason']}"
            )
            if row.get("lifted_at"):
                lifted = f"{row['lifted_at']:%Y-%m-%d %H:%M} by {row['lifted_by']}"
                line += f"  (lifted {lifted}: {row['lift_reason']})"
            print(line)
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


def _ledger(migrate: bool = True):
    """The ledger connection's context manager, opened; one-line errors when it cannot be.
    `migrate=False` leaves the schema as it is (for `migrate` itself)."""
    from airflow.sdk.exceptions import AirflowNotFoundException

    from alertas_rapidas.ledger.deliveries import ledger_connection

    context = ledger_connection(ALERTS_CONN_ID, migrate=migrate)
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
