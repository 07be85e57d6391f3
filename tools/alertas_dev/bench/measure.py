"""What the benchmark measures with, besides the clock: the machine, task memory, raw renders."""

from __future__ import annotations

import multiprocessing
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The title Airflow's task runner gives the process that runs a task (task_runner.startup).
_TASK_TITLE = re.compile(
    r"^airflow worker -- ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
)


def machine() -> dict[str, Any]:
    """CPU model, cores and RAM as /proc tells them."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_kib = int(line.split()[1])
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count() or 0, "ram_gib": ram_kib / 1024 / 1024}


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def _status_kib(pid: str, field_name: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def self_peak_rss_mib() -> float:
    return (_status_kib("self", "VmHWM:") or 0) / 1024


@dataclass
class _ProcSampler:
    """Calls `sample()` every `interval` s on a daemon thread while the `with` block runs."""

    interval: float = 0.2
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> _ProcSampler:
        self._thread = threading.Thread(target=self._run, name=type(self).__name__, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        raise NotImplementedError


def _proc_pids() -> list[str]:
    """Every pid in /proc, in pid order (a parent is usually seen before its children)."""
    try:
        return sorted((name for name in os.listdir("/proc") if name.isdigit()), key=int)
    except OSError:
        return []


@dataclass
class TaskMemorySampler(_ProcSampler):
    """Samples /proc every `interval` s for Airflow task processes; keeps each one's VmHWM.

    A task process is recognised by the title the task runner sets ("airflow worker -- <ti id>").
    VmHWM is the kernel's peak resident set of the process; the last sample of a task is at most
    `interval` before it exits, so growth in its very last moment may be missed.
    """

    peaks_kib: dict[str, int] = field(default_factory=dict)  # ti id -> VmHWM
    _pids: dict[str, str | None] = field(default_factory=dict)  # pid -> ti id, None: never a task

    def sample(self) -> None:
        for pid in _proc_pids():
            ti_id = self._ti_of(pid)
            if ti_id is None:
                continue
            peak = _status_kib(pid, "VmHWM:")
            if peak is not None and peak > self.peaks_kib.get(ti_id, 0):
                self.peaks_kib[ti_id] = peak

    def _ti_of(self, pid: str) -> str | None:
        # A process keeps its pid for life; the title is set once at task start, so a pid seen
        # without it is looked at again while it may still become a task process (an Airflow
        # process, forked from an executor worker); any other process is never read again.
        known = self._pids.get(pid, "")
        if known != "":
            return known
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            return None
        match = _TASK_TITLE.match(title.strip())
        if match:
            self._pids[pid] = match.group(1)
            return match.group(1)
        if not title.startswith("airflow"):
            self._pids[pid] = None
        return None


CPU_ROLES = (
    "task processes",
    "executor workers (task supervisors)",
    "dag.test() loop (scheduling, in place of a scheduler)",
    "execution API server",
    "PostgreSQL (DMS, ledger, Airflow metadata)",
    "benchmark process (SMTP sink, samplers)",
    "other processes on the machine",
)
_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class CpuSampler(_ProcSampler):
    """CPU time (user + system, from /proc/<pid>/stat) used during a run, by the role of each process.

    Sampled every `interval` s; a process that ends between two samples loses at most its last
    `interval` of CPU. Processes that existed before the sampler started count from there.
    """

    seconds: dict[str, float] = field(default_factory=dict)
    _seen: dict[str, list[Any]] = field(default_factory=dict)  # pid -> [role, cpu at start, cpu last]

    def __enter__(self) -> CpuSampler:
        self.sample(first=True)
        super().__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        self.sample()
        totals = dict.fromkeys(CPU_ROLES, 0.0)
        for role, start, last in self._seen.values():
            totals[role or CPU_ROLES[6]] += last - start
        self.seconds = totals

    def sample(self, first: bool = False) -> None:
        for pid in _proc_pids():
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            comm, _, rest = stat.partition(" (")[2].rpartition(") ")
            fields = rest.split()
            cpu = (int(fields[11]) + int(fields[12])) / _TICKS
            entry = self._seen.get(pid)
            if entry is None:
                entry = self._seen[pid] = [None, cpu if first else 0.0, cpu]
            entry[2] = cpu
            # A forked child starts with its parent's title: executor workers fork from the
            # dag.test() process and task processes from executor workers, then retitle. The
            # dag.test() process itself (the benchmark's child) keeps its role: running tasks
            # in-process, it takes each task's title too (setproctitle, which Celery installs).
            ppid = int(fields[1])
            own_dagrun = entry[0] == CPU_ROLES[2] and ppid == os.getpid()
            if entry[0] in (None, CPU_ROLES[1], CPU_ROLES[2]) and not own_dagrun:
                entry[0] = _role_of(pid, comm, ppid, self._seen)


def _role_of(pid: str, comm: str, ppid: int, seen: dict[str, list[Any]]) -> str | None:
    if int(pid) == os.getpid():
        return CPU_ROLES[5]
    if comm == "postgres":
        return CPU_ROLES[4]
    try:
        title = (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        )
    except OSError:
        return None
    title = title.strip()
    if _TASK_TITLE.match(title):
        return CPU_ROLES[0]
    if title.startswith("airflow worker -- LocalExecutor"):
        return CPU_ROLES[1]
    if "alertas_dev.bench.dagrun" in title:
        return CPU_ROLES[2]
    parent = seen.get(str(ppid))
    if (
        title.startswith("airflow api_server")
        or "api-server" in title
        or (parent and parent[0] == CPU_ROLES[3])
    ):
        return CPU_ROLES[3]
    return CPU_ROLES[6] if title or comm else None


@dataclass
class ForeignCpuSampler(_ProcSampler):
    """CPU time used during the `with` block by processes that are not the benchmark's: not this
    process or its descendants, and not a process whose command line names `marker` (the
    benchmark's folder: its PostgreSQL and object store) or descends from one. Other work on the
    machine (another test suite, a build) shows here; the benchmark's own load does not.

    `quiet(cores)`: the load average before the block was at most the core count, and foreign
    processes used at most `MAX_FOREIGN_CORES` cores on average during it."""

    marker: str = ""
    interval: float = 1.0
    seconds: float = 0.0
    wall: float = 0.0
    load_before: float = 0.0
    _seen: dict[str, list[Any]] = field(default_factory=dict)  # pid -> [ours?, cpu first, cpu last]
    _started: float = 0.0

    MAX_FOREIGN_CORES = 0.25

    def __enter__(self) -> ForeignCpuSampler:
        try:
            self.load_before = float(Path("/proc/loadavg").read_text().split()[0])
        except (OSError, ValueError):
            self.load_before = 0.0
        self._started = time.monotonic()
        self.sample(first=True)
        super().__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        self.sample()
        self.wall = time.monotonic() - self._started
        self.seconds = sum(last - start for ours, start, last in self._seen.values() if not ours)

    @property
    def cores(self) -> float:
        """Foreign CPU as cores busy on average."""
        return self.seconds / self.wall if self.wall else 0.0

    def quiet(self, cores: int) -> bool:
        return self.load_before <= cores and self.cores <= self.MAX_FOREIGN_CORES

    def describe(self, cores: int) -> str:
        return (
            f"load average before {self.load_before:.2f} on {cores} cores; other processes used "
            f"{self.cores:.2f} cores on average during the run"
        )

    def sample(self, first: bool = False) -> None:
        stats: dict[str, tuple[int, float]] = {}
        for pid in _proc_pids():
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            fields = stat.rpartition(") ")[2].split()
            stats[pid] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICKS)
        for pid, (ppid, cpu) in stats.items():
            entry = self._seen.get(pid)
            if entry is None:
                entry = self._seen[pid] = [self._ours(pid, ppid), cpu if first else 0.0, cpu]
            entry[2] = cpu

    def _ours(self, pid: str, ppid: int) -> bool:
        if int(pid) == os.getpid():
            return True
        parent = self._seen.get(str(ppid))
        if parent is not None and parent[0]:
            return True
        if ppid == os.getpid():
            return True
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            return False
        return bool(self.marker) and self.marker in title


def branding_cost(rounds: int = 15, builds: int = 100) -> dict[str, float]:
    """CPU time of one statement PDF (reportlab) without branding, with the logo, and with the
    logo and the letterhead: interleaved rounds, the fastest of each (noise only adds time)."""
    from alertas_dev.bench.settings import sample_statement
    from alertas_rapidas.paths import PROJECT_ROOT
    from alertas_rapidas.pdf.statement import build_statement

    logo = str(PROJECT_ROOT / "include" / "branding" / "autosur-logo.png")
    lines = ["Av. Rivadavia 1234, CABA", "Tel. (011) 4000-1234", "www.autosur.example"]
    bare = sample_statement()
    variants = {
        "bare": bare,
        "logo": {**bare, "brand": {"logo": logo}},
        "branded": {**bare, "brand": {"logo": logo, "letterhead": lines}},
    }
    for context in variants.values():
        build_statement(context, "es")  # the logo is encoded once per process: not measured
    best = dict.fromkeys(variants, float("inf"))
    for _ in range(rounds):
        for name, context in variants.items():
            start = time.process_time()
            for _ in range(builds):
                build_statement(context, "es")
            best[name] = min(best[name], (time.process_time() - start) * 1000 / builds)
    return {**{f"{name}_ms": value for name, value in best.items()}, "ratio": best["branded"] / best["bare"]}


DAGBAG_PROBE = """
import json, sys, time
t0 = time.perf_counter()
import airflow
from airflow.dag_processing.dagbag import DagBag
import airflow.sdk
t1 = time.perf_counter()
bag = DagBag(dag_folder=sys.argv[1])
t2 = time.perf_counter()
alert = sorted(d for d in bag.dags if d.startswith("alert_"))
print(json.dumps({"airflow_import": t1 - t0, "dagbag": t2 - t1, "dags": alert,
                  "errors": sorted(bag.import_errors)}))
"""


def dagbag_load(dags_folder: Path, env: dict[str, str]) -> dict[str, Any]:
    """In a fresh interpreter: time to import Airflow, then to fill a DagBag from `dags_folder`."""
    import json

    best: dict[str, Any] | None = None
    for _ in range(3):  # a cold first start (disk cache) is not what a DAG processor sees
        done = subprocess.run(
            [sys.executable, "-c", DAGBAG_PROBE, str(dags_folder)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(done.stdout.strip().splitlines()[-1])
        if best is None or result["dagbag"] < best["dagbag"]:
            best = result
    assert best is not None
    return best


def family_extracts(families_dir: Path, at: Any, out: Path) -> list[dict[str, Any]]:
    """Every family's extract on the bench's DMS, as a run at `at` would do it: seconds and rows
    per family (an error is recorded, not raised: the report shows it)."""
    import time

    from alertas_rapidas.config import load_family_config
    from alertas_rapidas.connections import ALERTS_CONN_ID, DMS_CONN_ID
    from alertas_rapidas.engine.family import family_for
    from alertas_rapidas.extract import extract_queries
    from alertas_rapidas.ledger.deliveries import ledger_connection
    from alertas_rapidas.schedule.run_time import resolve_run_time

    with ledger_connection(ALERTS_CONN_ID):  # families on the package's own tables need them
        pass
    timings = []
    for path in sorted(families_dir.glob("[a-z]*.yaml")):
        config, settings = load_family_config(path)
        family = family_for(config)
        run = resolve_run_time(
            timezone=config.timezone, logical_date=at, run_after=None, interval=config.schedule.interval
        )
        started = time.perf_counter()
        try:
            results = extract_queries(
                conn_id=DMS_CONN_ID,
                queries=dict(family.queries),
                params=family.sql_params(settings, run),
                out_dir=out / "family-extracts" / config.key,
                statement_timeout=config.statement_timeout,
                connections=dict(family.connections),
                parents=dict(family.parents),
                lookups=family.lookups,
            )
        except Exception as exc:  # a failing query is a finding of the bench, named in the report
            timings.append({"family": config.key, "error": f"{type(exc).__name__}: {exc}".splitlines()[0]})
            continue
        timings.append(
            {
                "family": config.key,
                "seconds": time.perf_counter() - started,
                "rows": sum(result.rows for result in results),
            }
        )
    return timings


def dagbag_load_scaled(dags_folder: Path, total: int, env: dict[str, str], work: Path) -> dict[str, Any]:
    """The DagBag load with `total` alert DAGs: the package's families plus configured instances
    (`family: <configured key>` files, as a dealership adds them) in a copy of the DAGs folder."""
    import shutil

    import yaml

    folder = work / "dags"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(dags_folder, folder)
    families = folder / "families"
    configured = sorted(
        path.stem
        for path in families.glob("[a-z]*.yaml")
        if "alert" in (yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    )
    existing = len(list(folder.glob("alert_*.py")))
    template = next(folder.glob("alert_*.py")).read_text(encoding="utf-8")
    for number in range(max(0, total - existing)):
        base = configured[number % len(configured)]
        key = f"{base}_copy{number + 1}"
        (families / f"{key}.yaml").write_text(
            yaml.safe_dump({"key": key, "family": base, "title": f"{base} (copy {number + 1})"}),
            encoding="utf-8",
        )
        (folder / f"alert_{key}.py").write_text(template, encoding="utf-8")
    return dagbag_load(folder, {**env, "AIRFLOW__CORE__DAGS_FOLDER": str(folder)})


def _render_all(items: list[tuple[dict[str, Any], str, str]]) -> int:
    """Draw each (context, language, engine) statement; return the bytes produced."""
    from alertas_rapidas.pdf.statement import build_statement
    from alertas_rapidas.rendering import html_to_pdf
    from alertas_rapidas.templating import render_template, template_environment

    env = template_environment()
    size = 0
    for context, lang, engine in items:
        if engine == "html":  # the editable template: Jinja, then xhtml2pdf
            size += len(
                html_to_pdf(render_template(env, f"customer_statements/statement.{lang}.html", context))
            )
        else:
            size += len(build_statement(context, lang))
    return size


def raw_render(items: list[tuple[dict[str, Any], str, str]], processes: int = 1) -> dict[str, float]:
    """The PDFs alone, in a tight loop (no mail, no MIME, no files, no Airflow), timed."""
    _render_all(items[:5])  # imports and font metrics loaded before the clock starts
    started = time.perf_counter()
    if processes <= 1:
        size = _render_all(items)
    else:
        chunks = [items[index::processes] for index in range(processes)]
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            _ = pool.map(_render_all, [chunk[:2] for chunk in chunks])  # workers warm, then timed
            started = time.perf_counter()
            size = sum(pool.map(_render_all, chunks))
    seconds = time.perf_counter() - started
    return {"pdfs": len(items), "seconds": seconds, "per_second": len(items) / seconds, "bytes": size}


def _send_all(job: tuple[list[Any], int, str]) -> int:
    """Render each message (PDF, templates, MIME) and send it over one SMTP connection."""
    import smtplib

    from alertas_dev.bench.pipeline import family_parts
    from alertas_rapidas.contracts.plan import idempotency_key, message_id_for
    from alertas_rapidas.rendering import MessageRenderer
    from alertas_rapidas.unsubscribes import links_for

    messages, port, sender = job
    config, _settings, family, _run = family_parts()
    # set up as the render step sets it up (branding, time zone, unsubscribe headers)
    renderer = MessageRenderer.for_family(config, family, sender=sender, unsubscribe=links_for(config))
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for message in messages:
            key = idempotency_key(family.key, message.recipient_ref, message.business_key)
            mail = bytes(renderer.render(message, message_id=message_id_for(key)))
            smtp.sendmail(sender, renderer.envelope(message), mail)
    return len(messages)


def raw_send(messages: list[Any], port: int, sender: str, processes: int = 1) -> dict[str, float]:
    """The job with no framework around it: each message rendered (PDF, templates, MIME) and sent
    to the SMTP server in a tight loop, over one connection per process. No Airflow, no ledger,
    no files: what is left between this and the pipeline is the framework's own cost."""
    warm_up = _send_all((messages[:3], port, sender))  # imports, fonts and templates loaded first
    chunks = [messages[index::processes] for index in range(max(processes, 1))]
    started = time.perf_counter()
    if processes <= 1:
        sent = _send_all((messages, port, sender))
    else:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            warm_up += sum(pool.map(_send_all, [(chunk[:2], port, sender) for chunk in chunks]))
            started = time.perf_counter()
            sent = sum(pool.map(_send_all, [(chunk, port, sender) for chunk in chunks]))
    seconds = time.perf_counter() - started
    return {"messages": sent, "warm_up": warm_up, "seconds": seconds, "per_second": sent / seconds}
