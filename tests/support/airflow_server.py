"""A real Airflow (`airflow standalone`: API server, scheduler, DAG processor, triggerer) on loopback.

For the tests that need the scheduler or the UI: the browser test and the backfill test. Its own
AIRFLOW_HOME (SQLite, the LocalExecutor), the repository's DAGs and plugins, free ports.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from alertas_dev.demo.mail_sink import free_port

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 150
RUN_TIMEOUT = 240
CONNECTIONS = ("AIRFLOW_CONN_DMS_POSTGRES", "AIRFLOW_CONN_ALERTS_POSTGRES", "AIRFLOW_CONN_SMTP_DEFAULT")


def session_connections() -> dict[str, str]:
    """The three connections the session fixtures set (PostgreSQL and the SMTP sink)."""
    return {name: os.environ[name] for name in CONNECTIONS}


class Standalone:
    """`airflow standalone` in its own AIRFLOW_HOME, on free loopback ports."""

    def __init__(self, home: Path, connections: dict[str, str]) -> None:
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = home / "standalone.log"
        venv_bin = str(Path(sys.executable).parent)  # standalone starts `airflow ...` from PATH
        self.env = {
            **os.environ,
            **connections,
            "PATH": venv_bin + os.pathsep + os.environ.get("PATH", ""),
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API__BASE_URL": self.url,
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__CORE__PARALLELISM": "4",
            # Only the runs this test triggers: unpausing a catchup=False DAG would otherwise also
            # start its latest scheduled run.
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            # Parse each DAG file once, not every 30 s: with 41 DAGs the DAG processor's writes
            # otherwise contend with the tests' CLI calls for the SQLite metadata database.
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "3600",
            # The log servers' default ports (8793, 8794) may be taken by another Airflow.
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            "ALERTAS_WORK_DIR": str(home / "alertas_work"),
        }
        self.process: subprocess.Popen | None = None
        self.token: str | None = None

    def start(self) -> Standalone:
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "airflow", "standalone"],
            env=self.env,
            cwd=self.home,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends every component
        )
        log.close()
        return self

    def stop(self) -> None:
        """SIGTERM to the whole process group, then SIGKILL to whatever is left of it."""
        if self.process is None:
            return
        for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                continue
        self.process.wait(timeout=10)

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(text[-lines:])

    @property
    def password(self) -> str:
        return json.loads((self.home / "simple_auth_manager_passwords.json.generated").read_text())["admin"]

    def api(self, method: str, path: str, **kwargs) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return httpx.request(method, self.url + path, headers=headers, timeout=30, **kwargs)

    def wait_until_ready(self, dag_ids: list[str]) -> None:
        """Healthy, logged in to the REST API, every DAG parsed; fail with the log's tail if not."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        step = "the API server"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"airflow standalone exited ({self.process.returncode}):\n{self.log_tail()}")
            try:
                if step == "the API server":
                    health = self.api("GET", "/api/v2/monitor/health").json()
                    if all(
                        health.get(c, {}).get("status") == "healthy" for c in ("metadatabase", "scheduler")
                    ):
                        step = "a token"
                if step == "a token":
                    response = self.api(
                        "POST", "/auth/token", json={"username": "admin", "password": self.password}
                    )
                    if response.status_code in (200, 201):
                        self.token = response.json()["access_token"]
                        step = "the DAGs"
                if step == "the DAGs":
                    dags = self.api("GET", "/api/v2/dags", params={"limit": 100}).json()
                    if {d["dag_id"] for d in dags["dags"]} >= set(dag_ids):
                        return
            except (OSError, ValueError, KeyError, httpx.HTTPError):
                pass  # not up yet (connection refused, no password file, a half-written answer)
            time.sleep(2)
        pytest.fail(f"airflow standalone: no {step} after {STARTUP_TIMEOUT} s:\n{self.log_tail()}")

    def wait_for_run(self, dag_id: str, run_id: str) -> dict:
        deadline = time.monotonic() + RUN_TIMEOUT
        run: dict = {}
        while time.monotonic() < deadline:
            run = self.api("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}").json()
            if run.get("state") in ("success", "failed"):
                return run
            time.sleep(2)
        pytest.fail(f"{dag_id} run {run_id} did not finish in {RUN_TIMEOUT} s ({run}):\n{self.log_tail()}")

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """An `airflow` command against this instance's metadata database.

        SQLite allows one writer: a command that found the database locked by the running
        components wrote nothing (its transaction rolled back) and is run again, at most twice.
        """
        for attempt in range(3):
            done = subprocess.run(
                [sys.executable, "-m", "airflow", *args],
                env=self.env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
            if done.returncode == 0 or "database is locked" not in done.stdout + done.stderr or attempt == 2:
                return done
            time.sleep(2)
        return done

    def dag_runs(self, dag_id: str) -> list[dict]:
        return self.api("GET", f"/api/v2/dags/{dag_id}/dagRuns", params={"limit": 100}).json()["dag_runs"]
