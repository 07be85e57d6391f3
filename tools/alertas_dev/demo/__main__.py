"""`python -m alertas_dev.demo`: the whole package on embedded defaults, for a newcomer.

Starts (or uses) a PostgreSQL, creates and fills the demo DMS, starts a local SMTP sink that keeps
every message as `.eml` with an `index.html`, runs every alert DAG for one date with
`dag.test()`, and prints what each family did.

The DMS and the delivery ledger are kept between runs (in `.demo/pg`): a second run of the same
date sends nothing ("already sent N"), as in production. A DMS that exists is never refilled, on
any date, so rows added by hand stay: `--reset-dms` refills it (for `--date`), `--fresh` drops
both and starts over. Airflow's metadata database lives there too (database `airflow`), the one
`make ui` uses: the demo's runs show in its UI, with their links. The embedded PostgreSQL is left
running at the end, and its DSN printed, for the user's own queries and later commands (`make
dms`, `make preview`, `make validate ARGS=--dms`; `make demo-stop` stops it; see
alertas_dev.demo.database).
Exit code 1 when a DAG file fails to import or a run does not succeed (one line per family).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import time
import warnings
from datetime import date, datetime
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parents[3]
DEALERSHIP_TZ = "America/Argentina/Buenos_Aires"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m alertas_dev.demo", description=__doc__)
    parser.add_argument("--date", default="2026-11-01", help="run date, dealership time (default 2026-11-01)")
    parser.add_argument("--at", default="08:00", help="time of day of the runs, dealership time (08:00)")
    parser.add_argument("--out", default=str(PROJECT_ROOT / ".demo"), help="demo folder (.demo)")
    parser.add_argument("--seed", type=int, default=7, help="demo data seed (7)")
    parser.add_argument("--customers", type=int, default=60, help="demo customers (60)")
    parser.add_argument("--dag", action="append", help="run only this DAG id (repeatable)")
    parser.add_argument(
        "--dags-folder", default=str(PROJECT_ROOT / "dags"), help="the DAG files and families/ (dags)"
    )
    parser.add_argument(
        "--dms-dsn",
        default=os.environ.get("DMS_DSN"),
        help="use this PostgreSQL for the DMS and the ledger instead of an embedded one "
        "(env DMS_DSN); its `dms` schema is created and filled only if absent, or with --reset-dms",
    )
    parser.add_argument(
        "--reset-dms",
        action="store_true",
        help="drop the DMS and fill it again with demo data for --date (the ledger is kept); without it "
        "a DMS that exists is used as it is, rows added by hand included",
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="start over: drop the demo DMS and the delivery ledger (kept between runs by default, so "
        "a second run of the same date sends nothing)",
    )
    return parser.parse_args(argv)


def prepare_environment(out: Path, dags_folder: Path | None = None) -> None:
    """Airflow settings for the demo; must run before anything imports Airflow."""
    os.environ["AIRFLOW_HOME"] = str(out / "airflow")
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(dags_folder or PROJECT_ROOT / "dags")
    os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(PROJECT_ROOT / "plugins")
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    # The demo prints its own progress and summary; task logs only when something goes wrong.
    os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = os.environ.get("DEMO_LOG_LEVEL", "ERROR")
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    warnings.simplefilter("ignore")
    os.environ["ALERTAS_WORK_DIR"] = str(out / "work")
    # The key of satisfaction_surveys' signed links (an Airflow Variable; production sets its own).
    os.environ.setdefault("AIRFLOW_VAR_ALERTAS_SURVEY_SECRET", "demo-only-survey-signing-key-0001")
    os.environ.setdefault("AIRFLOW_VAR_ALERTAS_UNSUBSCRIBE_SECRET", "demo-only-unsubscribe-key-0001")


def step(text: str) -> None:
    print(f"==> {text}", flush=True)


def migrate_airflow_db() -> None:
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        check=True,
        capture_output=True,
        env=os.environ.copy(),
    )


def setup_database(args: argparse.Namespace, out: Path, *, keep_running: bool = True) -> object | None:
    """Start or reach PostgreSQL, fill the DMS, point the two Postgres connections at it. The
    embedded server is left running when this process ends (`keep_running`), or stopped by the
    returned server's `stop()` unless it was already running (another command started it)."""

    import psycopg

    from alertas_dev.demo import dms_data
    from alertas_dev.demo.local_postgres import LocalPostgres

    server = None
    if args.dms_dsn:
        dms_dsn = alerts_dsn = args.dms_dsn
        step("Using the PostgreSQL given by --dms-dsn / DMS_DSN")
        with psycopg.connect(dms_dsn, autocommit=True) as conn:
            exists = conn.execute("select 1 from pg_namespace where nspname = 'dms'").fetchone()
            if exists and not (args.reset_dms or args.fresh):
                step("Schema dms exists: left as it is (use --reset-dms to refill it with demo data)")
            else:
                conn.execute("drop schema if exists dms cascade")
                conn.execute("drop schema if exists alerts cascade")
                dms_data.create_schema(conn)
                dms_data.load_demo_data(
                    conn,
                    seed=args.seed,
                    customers=args.customers,
                    reference_date=date.fromisoformat(args.date),
                )
        os.environ["AIRFLOW_CONN_DMS_POSTGRES"] = _postgres_uri(dms_dsn)
        os.environ["AIRFLOW_CONN_ALERTS_POSTGRES"] = _postgres_uri(alerts_dsn)
        return None

    step(
        "Starting the embedded PostgreSQL (pgserver)" + ("; left running at the end" if keep_running else "")
    )
    server = LocalPostgres(out / "pg").start(keep_running=keep_running)
    wanted = {"seed": args.seed, "customers": args.customers, "date": args.date}
    state_file = out / "demo-state.json"
    filled = json.loads(state_file.read_text()) if state_file.exists() else None
    if args.fresh or not dms_exists(server):
        why = "--fresh" if args.fresh else "first run"
        step(f"Fresh start ({why}): new demo DMS and an empty delivery ledger")
        server.create_database("alerts", drop=True)
        refill = True
    elif args.reset_dms:
        step("Kept the delivery ledger; --reset-dms: the DMS is filled again for " + _described(wanted))
        refill = True
    else:
        # Another date runs on the same DMS: it is never refilled unless asked, so that rows a user
        # added to try an alert are still there.
        holds = f" (demo data for {_described(filled)})" if filled else ""
        step(
            f"Kept the demo DMS{holds} and the delivery ledger from the last run: what was sent then "
            "is not sent again (--reset-dms refills the DMS for --date, --fresh starts over)"
        )
        refill = False
        server.create_database("alerts")  # when a DMS was made by hand (or by a test) without one
    if refill:
        state_file.unlink(missing_ok=True)
        server.create_database("dms", drop=True)
        server.create_database("alerts")
        with psycopg.connect(server.dsn("dms"), autocommit=True) as conn:
            step(f"Creating schema dms and loading demo data (seed {args.seed}, {args.customers} customers)")
            dms_data.create_schema(conn)
            counts = dms_data.load_demo_data(
                conn, seed=args.seed, customers=args.customers, reference_date=date.fromisoformat(args.date)
            )
            print("    " + ", ".join(f"{table} {n}" for table, n in counts.items() if n), flush=True)
        state_file.write_text(json.dumps(wanted))
    os.environ["AIRFLOW_CONN_DMS_POSTGRES"] = server.connection_json("dms")
    os.environ["AIRFLOW_CONN_ALERTS_POSTGRES"] = server.connection_json("alerts")
    return server


def dms_exists(server: object) -> bool:
    """Whether the demo server holds a DMS: database `dms` with its schema `dms`."""
    import psycopg

    with psycopg.connect(server.dsn(), autocommit=True) as conn:  # type: ignore[attr-defined]
        if not conn.execute("select 1 from pg_database where datname = 'dms'").fetchone():
            return False
    with psycopg.connect(server.dsn("dms"), autocommit=True) as conn:  # type: ignore[attr-defined]
        return conn.execute("select 1 from pg_namespace where nspname = 'dms'").fetchone() is not None


def _described(state: dict[str, object]) -> str:
    return f"{state['date']}, seed {state['seed']}, {state['customers']} customers"


def _postgres_uri(dsn: str) -> str:
    """Airflow accepts a libpq URI as a connection; `postgresql://` is its postgres type."""
    return dsn.replace("postgres://", "postgresql://", 1)


def broken_families(import_errors: dict[str, str]) -> list[tuple[str, str]]:
    """(DAG id, one line) per DAG file that failed to import: the error's last line, its cause."""
    broken = []
    for path, error in sorted(import_errors.items()):
        lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
        broken.append((Path(path).stem, lines[-1] if lines else "import error"))
    return broken


def run_all(
    dag_ids: list[str] | None, logical_date: datetime, dags_folder: Path | None = None
) -> tuple[list[tuple[str, str, float]], list[tuple[str, str]]]:
    from airflow.dag_processing.dagbag import DagBag

    # DagBag logs each import error's traceback; the summary gives one line per broken family.
    logging.getLogger("airflow.models.dagbag").setLevel(logging.CRITICAL)
    logging.getLogger("airflow.dag_processing").setLevel(logging.CRITICAL)
    bag = DagBag(dag_folder=str(dags_folder or PROJECT_ROOT / "dags"))
    broken = broken_families(bag.import_errors)
    for dag_id, line in broken:
        print(f"!! {dag_id} does not import: {line}", file=sys.stderr, flush=True)
    selected = sorted(dag_id for dag_id in bag.dags if dag_id.startswith("alert_"))
    if dag_ids:
        unknown = sorted(set(dag_ids) - set(selected))
        if unknown:
            raise SystemExit(f"unknown DAG id(s): {', '.join(unknown)}; known: {', '.join(selected)}")
        selected = [dag_id for dag_id in selected if dag_id in dag_ids]
    outcomes = []
    for dag_id in selected:
        started = time.monotonic()
        print(f"    running {dag_id} ...", end="", flush=True)
        dag = bag.get_dag(dag_id)
        for task in dag.tasks:  # one try: a failure shows at once instead of waiting for retries
            task.retries = 0
        run = dag.test(logical_date=logical_date)
        elapsed = time.monotonic() - started
        print(f" {run.state} in {elapsed:.1f} s", flush=True)
        outcomes.append((dag_id, str(run.state), elapsed))
    return outcomes, broken


def print_summary(outcomes: list[tuple[str, str, float]], broken: list[tuple[str, str]]) -> int:
    """The table of what each family did; returns how many messages were already sent before."""
    from alertas_rapidas.connections import ALERTS_CONN_ID
    from alertas_rapidas.ledger.deliveries import ledger_connection

    print()
    header = f"{'family':<34}{'state':<9}{'candidates':>11}{'sent':>6}{'already':>8}"
    header += f"{'failed':>8}  skipped by reason"
    print(header)
    print("-" * (len(header) + 20))
    already = 0
    with ledger_connection(ALERTS_CONN_ID) as conn:
        for dag_id, state, _elapsed in outcomes:
            row = conn.execute(
                "select summary from alerts.runs where dag_id = %s order by finished_at desc limit 1",
                (dag_id,),
            ).fetchone()
            summary = row[0] if row else {}
            skipped = ", ".join(f"{k} {v}" for k, v in sorted((summary.get("skipped") or {}).items())) or "-"
            if state != "success" and not row:
                summary = {}
            already += int(summary.get("already_sent", 0) or 0)
            print(
                f"{dag_id.removeprefix('alert_'):<34}{state:<9}{summary.get('candidates', 0):>11}"
                f"{summary.get('sent', 0):>6}{summary.get('already_sent', 0):>8}{summary.get('failed', 0):>8}"
                f"  {skipped}"
            )
    for dag_id, line in broken:
        print(f"{dag_id.removeprefix('alert_'):<34}{'broken':<9}  does not import: {line}")
    return already


def print_database_help(dsn: str) -> None:
    """Where the demo DMS is and what reads it, now that the demo has left it running."""
    print()
    print(f"The demo DMS keeps running for your own queries and later commands: {dsn}")
    for command, what in (
        ("make dms", "psql on it (make dms < rows.sql runs a file of SQL)"),
        ("make preview FAMILY=<key> DATE=<date>", "what a family would send, read from it"),
        ("make validate ARGS=--dms", "every family's SQL and templates checked on it"),
        ("make demo-stop", "stops it (the commands above start it again)"),
    ):
        print(f"  {command:<40}{what}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out = Path(args.out).resolve()
    mail_dir = out / "mail"
    # The run folders, the mail and the Airflow home of the last run are per run; the DMS, the
    # ledger and Airflow's metadata database (out/pg, shared with `make ui`) are kept unless --fresh.
    if args.fresh and not args.dms_dsn:
        from alertas_dev.demo.local_postgres import LocalPostgres

        if users := LocalPostgres.other_users(out / "pg"):
            print(
                f"error: the demo's PostgreSQL ({out / 'pg'}) is in use by process {users[0]} "
                "(make ui?): stop it first, or run without --fresh",
                file=sys.stderr,
            )
            return 1
    for stale in (mail_dir, out / "work", out / "airflow"):
        shutil.rmtree(stale, ignore_errors=True)
    if args.fresh and not args.dms_dsn:
        from alertas_dev.demo.local_postgres import LocalPostgres

        LocalPostgres(out / "pg").shutdown()  # the last run left it running
        shutil.rmtree(out / "pg", ignore_errors=True)
        (out / "demo-state.json").unlink(missing_ok=True)
    dags_folder = Path(args.dags_folder).resolve()
    prepare_environment(out, dags_folder)

    from alertas_dev.demo.mail_sink import MailSink

    server = setup_database(args, out)
    dms_dsn = server.dsn("dms") if server is not None else None  # type: ignore[attr-defined]
    try:
        if server is not None:
            # The metadata database `make ui` uses too: the demo's runs show in its UI, with links.
            os.environ.update(server.airflow_metadata())
            step(f"Preparing Airflow's metadata database (database airflow in {out / 'pg'}, as make ui)")
        else:
            step(f"Preparing Airflow's metadata database in {out / 'airflow'}")
        migrate_airflow_db()
        with MailSink(folder=mail_dir) as sink:
            os.environ["AIRFLOW_CONN_SMTP_DEFAULT"] = sink.connection_json()
            sink.store.write_index()
            run_at = datetime.combine(
                date.fromisoformat(args.date), clock.fromisoformat(args.at), tzinfo=ZoneInfo(DEALERSHIP_TZ)
            )
            step(f"Running every alert DAG for {run_at.isoformat()} (SMTP sink on port {sink.port})")
            outcomes, broken = run_all(args.dag, run_at, dags_folder)
            already = print_summary(outcomes, broken)
            received = len(sink.store.messages)
    finally:
        if server is not None:
            if "airflow.settings" in sys.modules:  # Airflow's connections to it first, not at exit
                sys.modules["airflow.settings"].dispose_orm()
            server.stop()  # left running: started with keep_running
    print()
    print(f"{received} message(s) received by the SMTP sink. Open {mail_dir / 'index.html'}")
    if dms_dsn is not None:
        print_database_help(dms_dsn)
    if already:
        print(
            f"already sent {already}: the ledger holds them as sent by an earlier run of this date, "
            "so they were not sent again (python -m alertas_dev.demo --fresh starts over)"
        )
    failed = [dag_id for dag_id, state, _ in outcomes if state != "success"]
    if failed:
        print(f"Runs that did not succeed: {', '.join(failed)}", file=sys.stderr)
    if broken:
        print(f"DAG files that do not import: {', '.join(d for d, _ in broken)}", file=sys.stderr)
    return 1 if failed or broken else 0


if __name__ == "__main__":
    sys.exit(main())
