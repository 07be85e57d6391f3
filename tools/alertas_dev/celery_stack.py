"""A multi-worker Airflow on this machine: CeleryExecutor, Redis, and workers that share no disk.

What a deployment with separate worker machines looks like, in processes: Redis (Debian's
`redis-server`) as the Celery broker and result backend, PostgreSQL as the metadata database, the
API server, the scheduler, the DAG processor, and N Celery workers (`w1`, `w2`...), each with its
own AIRFLOW_HOME and working directory. Run files go to an object store (`ALERTAS_WORK_DIR` is an
`s3://` location), so no folder is shared between workers: only the code (DAGs and plugins).

Each worker reports its node name as its host name (`core.hostname_callable` = `node_name` below),
so the task instances show which worker ran them, as they would on separate machines.

Used by tests/e2e/test_celery_workers.py and by `make bench` (the Celery rows).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alertas_dev.demo.mail_sink import free_port

ROOT = Path(__file__).resolve().parents[2]
NODE_ENV = "ALERTAS_NODE_NAME"


def node_name() -> str:
    """`core.hostname_callable` of the workers: the node name given to each (w1, w2...)."""
    return os.environ.get(NODE_ENV) or socket.getfqdn()


class StackError(RuntimeError):
    """A component did not start, or a run did not finish in time (with the log's tail)."""


@dataclass
class CeleryStack:
    home: Path  # every component gets a folder under it
    metadata_db: str  # SQLAlchemy URL of an empty PostgreSQL database
    env: dict[str, str]  # connections, ALERTAS_WORK_DIR (s3://...), its connection...
    dags_folder: Path = ROOT / "dags"
    workers: int = 2
    concurrency: int = 1  # task slots per worker
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.redis_port = free_port()
        self.api_port = free_port()
        venv_bin = str(Path(sys.executable).parent)
        self.base_env = {
            **os.environ,
            **self.env,
            "PATH": venv_bin + os.pathsep + os.environ.get("PATH", ""),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "tools"), os.environ.get("PYTHONPATH")])),
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__CORE__PARALLELISM": str(max(4, self.workers * self.concurrency * 2)),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{self.api_port}/execution/",
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "alertas_dev.celery_stack.node_name",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.metadata_db,
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(48),
            "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
            "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "AIRFLOW__CELERY__RESULT_BACKEND": f"redis://127.0.0.1:{self.redis_port}/1",
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(self.concurrency),
            # the package's modules imported once per worker, before it forks its task processes
            "AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS": "alertas_rapidas.celery_worker.CELERY_CONFIG",
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",  # only the runs a test triggers
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "3600",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
            # Task tokens are made at queue time (default life 600 s): long queues need longer.
            "AIRFLOW__EXECUTION_API__JWT_EXPIRATION_TIME": "3600",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
        }

    # --- processes -----------------------------------------------------------------------------

    def _home(self, name: str) -> Path:
        folder = self.home / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def _env(self, name: str, **extra: str) -> dict[str, str]:
        return {
            **self.base_env,
            "AIRFLOW_HOME": str(self._home(name)),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            **extra,
        }

    def _start(self, name: str, command: list[str], env: dict[str, str] | None = None) -> None:
        folder = self._home(name)
        log = (folder / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(
            command,
            env=env or self._env(name),
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def airflow(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        """An `airflow` command as the scheduler's machine runs it."""
        return subprocess.run(
            [sys.executable, "-m", "airflow", *args],
            env=self._env("scheduler"),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self, worker_count: int | None = None) -> CeleryStack:
        redis = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(redis).exists():
            raise StackError("redis-server is not installed (apt-get install redis-server)")
        self._start(
            "redis",
            [
                redis,
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            env=dict(os.environ),
        )
        migrated = self.airflow("db", "migrate", timeout=300)
        if migrated.returncode != 0:
            raise StackError(
                f"airflow db migrate failed:\n{migrated.stdout[-2000:]}{migrated.stderr[-2000:]}"
            )
        airflow = [sys.executable, "-m", "airflow"]
        self._start(
            "api-server", [*airflow, "api-server", "-H", "127.0.0.1", "-p", str(self.api_port), "-w", "1"]
        )
        self._start("scheduler", [*airflow, "scheduler"])
        self._start("dag-processor", [*airflow, "dag-processor"])
        self.start_workers(worker_count or self.workers)
        self._wait_port(self.api_port, "api-server")
        return self

    def start_workers(self, count: int) -> None:
        for number in range(1, count + 1):
            name = f"w{number}"
            if name in self.processes:
                continue
            self._start(
                name,
                [
                    sys.executable,
                    "-m",
                    "airflow",
                    "celery",
                    "worker",
                    "--celery-hostname",
                    f"{name}@%h",
                    "--concurrency",
                    str(self.concurrency),
                    "--without-mingle",
                    "--without-gossip",
                ],
                env=self._env(name, **{NODE_ENV: name}),
            )

    def stop_workers(self) -> None:
        for name in [n for n in self.processes if n.startswith("w")]:
            self._stop(name)

    def _wait_port(self, port: int, name: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.5)
        raise StackError(f"{name} did not listen on {port} in {timeout:.0f} s:\n{self.log_tail(name)}")

    def maps_library(self, name: str, fragment: str, timeout: float = 60) -> bool:
        """Whether component `name`'s own process (not its children) maps a file whose path holds
        `fragment` (a library it imported), within `timeout` seconds of asking."""
        process = self.processes[name]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                if fragment in Path(f"/proc/{process.pid}/maps").read_text(errors="replace"):
                    return True
            except OSError:
                return False
            time.sleep(0.5)
        return False

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise StackError(f"{name} exited ({process.returncode}):\n{self.log_tail(name)}")

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.home / name / f"{name}.log"
        try:
            return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def _stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is None:
            return
        for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            try:
                process.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue

    def stop(self) -> None:
        for name in [n for n in self.processes if n != "redis"] + ["redis"]:
            self._stop(name)

    # --- runs ----------------------------------------------------------------------------------

    def wait_for_dag(self, dag_id: str, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            if self.metadata("select 1 from dag where dag_id = %s and not is_stale", (dag_id,)):
                return
            time.sleep(1)
        raise StackError(f"{dag_id} not parsed in {timeout:.0f} s:\n{self.log_tail('dag-processor')}")

    def trigger(self, dag_id: str, logical_date: str, conf: str = "{}") -> str:
        self.airflow("dags", "unpause", dag_id)
        run_id = f"celery__{secrets.token_hex(4)}"
        done = self.airflow(
            "dags", "trigger", dag_id, "--logical-date", logical_date, "--run-id", run_id, "--conf", conf
        )
        if done.returncode != 0:
            raise StackError(f"trigger failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        return run_id

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 300) -> str:
        deadline = time.monotonic() + timeout
        state = None
        while time.monotonic() < deadline:
            self.check_alive()
            rows = self.metadata(
                "select state from dag_run where dag_id = %s and run_id = %s", (dag_id, run_id)
            )
            state = rows[0][0] if rows else None
            if state in ("success", "failed"):
                return state
            time.sleep(1)
        tails = "\n".join(f"--- {name}\n{self.log_tail(name, 15)}" for name in self.processes)
        raise StackError(f"{dag_id} {run_id} still {state} after {timeout:.0f} s:\n{tails}")

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        rows = self.metadata(
            "select task_id, map_index, state, hostname, start_date, end_date, try_number "
            "from task_instance where dag_id = %s and run_id = %s order by start_date",
            (dag_id, run_id),
        )
        names = ("task_id", "map_index", "state", "hostname", "start", "end", "try_number")
        return [dict(zip(names, row, strict=True)) for row in rows]

    def metadata(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        import psycopg

        url = self.metadata_db.replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(url, autocommit=True) as conn:
            try:
                return conn.execute(sql, params).fetchall()
            except psycopg.errors.UndefinedTable:
                return []
