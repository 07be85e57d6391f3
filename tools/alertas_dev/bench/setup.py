"""The benchmark's own stack: DAG folder, Airflow home, embedded PostgreSQL with the demo DMS,
Airflow's metadata database and API server."""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from alertas_dev.bench.settings import DAG_ID, FAMILY, PROJECT_ROOT, RUN_DATE


def write_bench_dags(out: Path, batch_size: int | None, pdf_engine: str | None) -> Path:
    """A DAGs folder holding only the statements DAG (what `dag.test` parses and syncs)."""
    dags = out / "dags"
    shutil.rmtree(dags, ignore_errors=True)
    (dags / "families").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "dags" / f"{DAG_ID}.py", dags / f"{DAG_ID}.py")
    shutil.copy(PROJECT_ROOT / "dags" / "families" / "_defaults.yaml", dags / "families" / "_defaults.yaml")
    family_yaml = (PROJECT_ROOT / "dags" / "families" / f"{FAMILY}.yaml").read_text(encoding="utf-8")
    if batch_size is not None:
        lines = [line for line in family_yaml.splitlines() if not line.startswith("batch_size:")]
        family_yaml = "\n".join([*lines, f"batch_size: {batch_size}", ""])
    if pdf_engine is not None:
        lines = [line for line in family_yaml.splitlines() if not line.strip().startswith("pdf_engine:")]
        settings_at = lines.index("settings:") + 1
        family_yaml = "\n".join(
            [*lines[:settings_at], f"  pdf_engine: {pdf_engine}", *lines[settings_at:], ""]
        )
    (dags / "families" / f"{FAMILY}.yaml").write_text(family_yaml, encoding="utf-8")
    return dags


def prepare_environment(out: Path, dags: Path, log_level: str) -> None:
    """Airflow settings for the benchmark; must run before anything imports Airflow."""
    os.environ.update(
        {
            "AIRFLOW_HOME": str(out / "airflow"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": log_level,
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(64),
            # A task's execution-API token is made when the task is queued and lasts 600 s by
            # default: at 100,000 customers (86 batches on 2 slots) the last ones waited longer
            # and failed with "Invalid auth token" before starting.
            "AIRFLOW__EXECUTION_API__JWT_EXPIRATION_TIME": "3600",
            # A task's supervisor notices its task process has exited at its next wake-up, up to
            # this many seconds later (default 5): for short tasks that idle time adds up.
            "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": os.environ.get(
                "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL", "1"
            ),
            "ALERTAS_WORK_DIR": str(out / "work"),
            # Signs the statements' List-Unsubscribe links (a recurring family): render needs it.
            "AIRFLOW_VAR_ALERTAS_UNSUBSCRIBE_SECRET": os.environ.get(
                "AIRFLOW_VAR_ALERTAS_UNSUBSCRIBE_SECRET", "bench-only-unsubscribe-key-0001"
            ),
        }
    )


def start_postgres(out: Path) -> Any:
    from alertas_dev.demo.local_postgres import LocalPostgres

    server = LocalPostgres(out / "pg").start()
    for database in ("dms", "alerts", "airflow"):
        server.create_database(database, drop=True)
    os.environ["AIRFLOW_CONN_DMS_POSTGRES"] = server.connection_json("dms")
    os.environ["AIRFLOW_CONN_ALERTS_POSTGRES"] = server.connection_json("alerts")
    # Airflow's own metadata database: the LocalExecutor's processes need a real server.
    os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = (
        f"postgresql://postgres@/airflow?host={server.socket_dir}"
    )
    return server


def load_dms(server: Any, args: argparse.Namespace) -> dict[str, Any]:
    import psycopg

    from alertas_dev.demo import dms_data

    started = time.perf_counter()
    with psycopg.connect(server.dsn("dms"), autocommit=True) as conn:
        dms_data.create_schema(conn)
        counts = dms_data.load_demo_data(
            conn,
            seed=args.seed,
            customers=args.customers,
            reference_date=RUN_DATE,
            months=args.months,
            movements_per_month=args.movements_per_month,
        )
        # Statistics and visibility as a live DMS has them: the first query on rows just loaded
        # would otherwise write every page back (hint bits), a cost no monthly run pays.
        conn.execute("vacuum analyze")
    return {"seconds": time.perf_counter() - started, "movements": counts.get("account_movements", 0)}


def migrate_airflow_db() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True)
    return time.perf_counter() - started


def start_api_server(out: Path) -> subprocess.Popen[bytes]:
    """The execution API the LocalExecutor's task processes talk to (nothing else served)."""
    from alertas_dev.demo.mail_sink import free_port

    port = free_port()
    os.environ["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] = f"http://127.0.0.1:{port}/execution/"
    log = (out / "api-server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "airflow", "api-server", "--apps", "execution"]
        + ["-H", "127.0.0.1", "-p", str(port), "-w", "1"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the API server stopped; see {out / 'api-server.log'}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("the API server did not start within 120 s")
