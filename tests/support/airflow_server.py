"""A real Airflow (`airflow standalone`: API server, scheduler, DAG processor, triggerer) on loopback.

For tests that need the scheduler: backfills and the UI. Its own AIRFLOW_HOME (SQLite, the
LocalExecutor with parallelism 2), the repository's DAGs, and the connections of the session.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alertas_rapidas.demo.mail_sink import free_port

ROOT = Path(__file__).resolve().parents[2]


class AirflowServer:
    def __init__(self, home: Path, port: int, env: dict[str, str]) -> None:
        self.home, self.port, self.env = home, port, env
        self.url = f"http://127.0.0.1:{port}"

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "airflow", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def admin_password(self) -> str:
        data = json.loads((self.home / "simple_auth_manager_passwords.json.generated").read_text())
        return data["admin"]

    def wait_for_dag(self, dag_id: str, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if dag_id in self.cli("dags", "list", "-o", "plain").stdout:
                return
            time.sleep(3)
        raise TimeoutError(f"{dag_id} was not parsed within {timeout} s")

    def dag_runs(self, dag_id: str) -> list[dict[str, Any]]:
        result = self.cli("dags", "list-runs", dag_id, "-o", "json")
        for line in result.stdout.splitlines():  # log lines may come first
            if line.startswith("[{") or line.strip() == "[]":
                return json.loads(line)
        return []


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/v2/monitor/health", timeout=3) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def airflow_standalone(base_dir: Path, extra_env: dict[str, str] | None = None, timeout: float = 240):
    home = base_dir / "airflow-standalone"
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PARALLELISM": "2",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "5",
        **(extra_env or {}),
    }
    log = (base_dir / "standalone.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "airflow", "standalone"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = AirflowServer(home, port, env)
    try:
        deadline = time.monotonic() + timeout
        while not _healthy(server.url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"airflow standalone did not start; see {base_dir / 'standalone.log'}")
            time.sleep(2)
        yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the whole group: api-server, scheduler, workers
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()
