"""`make ui`: the Airflow UI on the demo's data, in one command.

Starts an embedded PostgreSQL (pgserver, the demo's `.demo/pg`: the DMS, the delivery ledger and
Airflow's own metadata database `airflow`), fills the demo DMS if it is not there yet, starts the
SMTP sink (messages kept in `.ui/mail`), and `airflow standalone` with the repository's DAGs and
plugins, the three connections and three logins (admin; operator, Airflow's "user" role, who may
trigger runs and tune alerts but not read connections; and viewer, who may look but not preview,
trigger or tune). Prints the URL and the logins; Ctrl-C stops every process it started.

    python -m alertas_dev.ui_stack [--port 8080] [--out .ui] [--demo-dir .demo]
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from argparse import Namespace
from pathlib import Path

from alertas_dev.airflow_stack import ROOT, StackError, Standalone

USERS = "admin:admin,operator:user,viewer:viewer"
CONNECTION_VARS = ("AIRFLOW_CONN_DMS_POSTGRES", "AIRFLOW_CONN_ALERTS_POSTGRES")


def expected_dag_ids(dags: Path = ROOT / "dags") -> list[str]:
    return sorted(f"alert_{p.stem}" for p in (dags / "families").glob("*.yaml") if not p.stem.startswith("_"))


class UiStack:
    """PostgreSQL + demo DMS + SMTP sink + `airflow standalone`, started and stopped together."""

    def __init__(
        self,
        out: Path,
        demo_dir: Path,
        *,
        port: int | None = None,
        date: str = "2026-11-01",
        scheduled_runs: bool = True,
        parse_interval: int | None = None,
    ) -> None:
        self.out = out
        self.scheduled_runs = scheduled_runs
        # Seconds between two parses of a DAG file (None: the Standalone default, once an hour).
        # A paused DAG's next run is computed at each parse: the shorter, the sooner a fire that
        # passed is dropped from it (alertas_rapidas/schedule/missed_fires.py).
        self.parse_interval = parse_interval
        self.demo_dir = demo_dir
        self.port = port
        self.date = date
        self.server = None  # LocalPostgres
        self.sink = None  # MailSink
        self.airflow: Standalone | None = None

    def start(self) -> UiStack:
        from alertas_dev.demo import __main__ as demo
        from alertas_dev.demo.mail_sink import MailSink

        if "AIRFLOW_HOME" not in os.environ:  # the demo's modules import Airflow: not ~/airflow
            os.environ["AIRFLOW_HOME"] = str(self.out / "airflow")

        self.out.mkdir(parents=True, exist_ok=True)
        demo.step(f"Embedded PostgreSQL in {self.demo_dir / 'pg'} (DMS, ledger, Airflow's metadata)")
        args = Namespace(dms_dsn=None, fresh=False, reset_dms=False, seed=7, customers=60, date=self.date)
        # setup_database points this process's two Postgres connections at the demo's server: read
        # them for Airflow and put the caller's back (a test session keeps its own).
        saved = {name: os.environ.get(name) for name in CONNECTION_VARS}
        try:
            self.server = demo.setup_database(args, self.demo_dir, keep_running=False)
            postgres = {name: os.environ[name] for name in CONNECTION_VARS}
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        # Airflow's metadata database is the demo's too (`make demo` runs appear here).
        metadata = self.server.airflow_metadata()
        self.sink = MailSink(folder=self.out / "mail").__enter__()
        self.sink.store.write_index()
        connections = {**postgres, "AIRFLOW_CONN_SMTP_DEFAULT": self.sink.connection_json()}
        self.airflow = Standalone(
            self.out / "airflow",
            connections,
            port=self.port,
            metadata_db=metadata["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"],
            metadata_db_async=metadata["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC"],
            scheduled_runs=self.scheduled_runs,
            extra_env={
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": USERS,
                "AIRFLOW_VAR_ALERTAS_SURVEY_SECRET": os.environ.get(
                    "AIRFLOW_VAR_ALERTAS_SURVEY_SECRET", "demo-only-survey-signing-key-0001"
                ),
                "ALERTAS_WORK_DIR": str(self.out / "work"),
                **(
                    {"AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": str(self.parse_interval)}
                    if self.parse_interval
                    else {}
                ),
            },
        )
        demo.step(f"Starting airflow standalone (log: {self.airflow.log_path})")
        self.airflow.start()
        return self

    def wait_until_ready(self, timeout: float = 300) -> None:
        self.airflow.wait_until_ready(expected_dag_ids(), timeout=timeout)

    def stop(self) -> None:
        """Airflow's whole process group, then the SMTP sink, then PostgreSQL."""
        if self.airflow is not None:
            self.airflow.stop()
            self.airflow = None
        if self.sink is not None:
            self.sink.__exit__(None, None, None)
            self.sink = None
        if self.server is not None:
            self.server.stop()
            self.server = None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m alertas_dev.ui_stack", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--port", type=int, default=8080, help="the UI's port on 127.0.0.1 (8080)")
    parser.add_argument("--out", default=str(ROOT / ".ui"), help="AIRFLOW_HOME, logs and mail (.ui)")
    parser.add_argument("--demo-dir", default=str(ROOT / ".demo"), help="the demo's folder (.demo)")
    parser.add_argument("--date", default="2026-11-01", help="demo data date when the DMS is filled")
    args = parser.parse_args(argv)

    # Ctrl-C (SIGINT) and SIGTERM both end in the `finally` below, which stops everything.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    # Parsed every 5 minutes (a DAG file takes about a second): a family paused across a fire
    # computes its next run again soon after it (see README, "What unpausing sends").
    stack = UiStack(
        Path(args.out).resolve(),
        Path(args.demo_dir).resolve(),
        port=args.port,
        date=args.date,
        parse_interval=300,
    )
    try:
        stack.start()
        stack.wait_until_ready()
        airflow = stack.airflow
        print()
        print(f"Airflow UI:  {airflow.url}")
        print(
            f"Logins:      admin / {airflow.password_of('admin')}    "
            f"operator / {airflow.password_of('operator')}    viewer / {airflow.password_of('viewer')}"
        )
        print(f"Alertas page: {airflow.url}/plugin/alertas  (Browse > Alertas Rápidas)")
        print(f"Mail sent by runs: {stack.out / 'mail' / 'index.html'}")
        print("DAGs are paused: unpausing one sends nothing until its next fire (docs/operations.md).")
        print("Ctrl-C stops Airflow, the SMTP sink and PostgreSQL.", flush=True)
        airflow.process.wait()
        print(
            f"airflow standalone exited ({airflow.process.returncode}):\n{airflow.log_tail()}",
            file=sys.stderr,
        )
        return 1
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping ...", flush=True)
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
