"""`airflow standalone` (API server, scheduler, DAG processor, triggerer) for the repository's DAGs.

One place for the settings both `make ui` (tools/alertas_dev/ui_stack.py) and the tests that need
a scheduler or the UI (tests/support/airflow_server.py) start Airflow with: its own AIRFLOW_HOME,
the repository's `dags/` and `plugins/` folders, the `.venv/bin` on PATH (standalone starts
`airflow ...` sub-commands from PATH), loopback ports, and its own process group so that stopping
it ends every component and executor worker it started.
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

from alertas_dev.demo.mail_sink import free_port

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 150
RUN_TIMEOUT = 240


class StackError(RuntimeError):
    """Airflow did not come up, or a run did not finish in time (the log's tail attached)."""


class Standalone:
    """`airflow standalone` in its own AIRFLOW_HOME, on a free loopback port (or `port`)."""

    def __init__(
        self,
        home: Path,
        connections: dict[str, str],
        *,
        port: int | None = None,
        metadata_db: str | None = None,
        metadata_db_async: str | None = None,
        scheduled_runs: bool = False,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.home = home
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = home / "standalone.log"
        venv_bin = str(Path(sys.executable).parent)
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
            # Parse each DAG file once, not every 30 s: with 41 DAGs the DAG processor's writes
            # otherwise contend with CLI calls for a SQLite metadata database.
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "3600",
            # The log servers' default ports (8793, 8794) may be taken by another Airflow.
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            "ALERTAS_WORK_DIR": str(home / "alertas_work"),
        }
        if not scheduled_runs:
            # Only the runs someone triggers: unpausing a catchup=False DAG would otherwise also
            # start its latest scheduled run.
            self.env["AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE"] = "False"
        if metadata_db:
            self.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = metadata_db
        if metadata_db_async:
            self.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC"] = metadata_db_async
        self.env.update(extra_env or {})
        self.process: subprocess.Popen | None = None
        self.token: str | None = None

    def start(self) -> Standalone:
        self.home.mkdir(parents=True, exist_ok=True)
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
            # the leader has exited: the SIGKILL round still ends what is left of its group
        self.process.wait(timeout=10)

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(text[-lines:])

    def password_of(self, user: str = "admin") -> str:
        path = self.env.get("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE") or (
            self.home / "simple_auth_manager_passwords.json.generated"
        )
        return json.loads(Path(path).read_text())[user]

    @property
    def password(self) -> str:
        return self.password_of("admin")

    def api(self, method: str, path: str, **kwargs) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return httpx.request(method, self.url + path, headers=headers, timeout=30, **kwargs)

    def wait_until_ready(self, dag_ids: list[str], timeout: float = STARTUP_TIMEOUT) -> None:
        """Healthy, logged in to the REST API, every DAG parsed; StackError with the log's tail if not."""
        deadline = time.monotonic() + timeout
        step = "the API server"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise StackError(f"airflow standalone exited ({self.process.returncode}):\n{self.log_tail()}")
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
        raise StackError(f"airflow standalone: no {step} after {timeout:.0f} s:\n{self.log_tail()}")

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = RUN_TIMEOUT) -> dict:
        deadline = time.monotonic() + timeout
        run: dict = {}
        while time.monotonic() < deadline:
            run = self.api("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}").json()
            if run.get("state") in ("success", "failed"):
                return run
            time.sleep(2)
        raise StackError(
            f"{dag_id} run {run_id} did not finish in {timeout:.0f} s ({run}):\n{self.log_tail()}"
        )

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
