"""`python -m alertas_dev.bench`: measure the statements family at scale (see the package doc).

Everything runs on this machine: an embedded PostgreSQL (pgserver) holds the DMS, the ledger and
Airflow's metadata database; the package's `MailSink` receives the mail. Options make a quick
smoke run, e.g. `--customers 200 --months 2 --workers 0 --no-docs`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import socket
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from alertas_dev.bench import measure

PROJECT_ROOT = Path(__file__).resolve().parents[3]
FAMILY = "customer_statements"
DAG_ID = f"alert_{FAMILY}"
RUN_DATE = date(2026, 11, 1)  # statements of October 2026, the last generated month
STATEMENT_MONTH = "October 2026"
DEALERSHIP_TZ = "America/Argentina/Buenos_Aires"
CATALOGUE_SIZE = 41  # alert families the catalogue (CATALOGUE.md) aims at

TARGETS = {
    "wall_s": 600.0,
    "pipeline_vs_raw": 0.9,
    "workers_ratio": 1.8,
    "rss_mib": 1024.0,
    "dagbag_s": 0.5,  # with 41 DAGs (CATALOGUE_SIZE)
    "extract_s": 10.0,
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m alertas_dev.bench", description=__doc__)
    parser.add_argument("--customers", type=int, default=10_000, help="DMS customers (10000)")
    parser.add_argument("--months", type=int, default=7, help="months of movements before the run date (7)")
    parser.add_argument("--movements-per-month", type=int, default=15, help="per customer, +-40%% (15)")
    parser.add_argument("--seed", type=int, default=7, help="demo data seed (7)")
    parser.add_argument(
        "--workers",
        default="1,2",
        help="comma-separated worker counts to run the DAG with (LocalExecutor parallelism); "
        "0 runs it in-process with dag.test() and no executor (default 1,2)",
    )
    parser.add_argument("--skip-workers", action="store_true", help="same as --workers 0")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="messages per mapped batch (default: the family config's)",
    )
    parser.add_argument(
        "--pdf-engine",
        choices=("reportlab", "html"),
        default=None,
        help="the statements' pdf_engine setting (default: the family config's)",
    )
    parser.add_argument("--skip-extract", action="store_true", help="do not time the extract on its own")
    parser.add_argument("--skip-dagbag", action="store_true", help="do not time the DagBag load")
    parser.add_argument(
        "--skip-family-extracts", action="store_true", help="do not time every family's extract"
    )
    parser.add_argument("--skip-raw", action="store_true", help="do not time the raw render floor")
    parser.add_argument(
        "--skip-job-floor",
        action="store_true",
        help="do not time the raw job floor (render and send in a tight loop, no framework)",
    )
    parser.add_argument("--out", default=str(PROJECT_ROOT / ".bench"), help="work folder (.bench)")
    parser.add_argument(
        "--docs", default=str(PROJECT_ROOT / "docs" / "benchmarks.md"), help="where to write the report"
    )
    parser.add_argument("--no-docs", action="store_true", help="print only; do not write the report file")
    parser.add_argument("--log-level", default="ERROR", help="Airflow's log level during the runs (ERROR)")
    parser.add_argument(
        "--from-facts",
        metavar="FACTS_JSON",
        help="measure nothing: print (and write) the report of an earlier run from its facts.json",
    )
    args = parser.parse_args(argv)
    args.worker_counts = [0] if args.skip_workers else [int(n) for n in str(args.workers).split(",") if n]
    return args


def step(text: str) -> None:
    print(f"==> {text}", flush=True)


# --- set-up ------------------------------------------------------------------------------------


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
            # A task's supervisor notices its task process has exited at its next wake-up, up to
            # this many seconds later (default 5): for short tasks that idle time adds up.
            "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": os.environ.get(
                "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL", "1"
            ),
            "ALERTAS_WORK_DIR": str(out / "work"),
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
        conn.execute("analyze")  # statistics, as a live DMS has them
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


# --- measurements ------------------------------------------------------------------------------


def family_parts() -> tuple[Any, Any, Any, Any]:
    from alertas_rapidas.config import load_family_config
    from alertas_rapidas.families import get_family
    from alertas_rapidas.timing import resolve_run_time

    dags = Path(os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    config, settings = load_family_config(dags / "families" / f"{FAMILY}.yaml")
    run = resolve_run_time(
        timezone=config.timezone,
        logical_date=logical_date(),
        run_after=None,
        interval=config.schedule.interval,
        run_date=None,
    )
    return config, settings, get_family(config.implementation), run


def logical_date() -> datetime:
    return datetime(RUN_DATE.year, RUN_DATE.month, RUN_DATE.day, 8, 0, tzinfo=ZoneInfo(DEALERSHIP_TZ))


def time_extract(out: Path) -> dict[str, Any]:
    """The family's extract on its own: every query, one snapshot, streamed to Parquet."""
    from alertas_rapidas.connections import DMS_CONN_ID
    from alertas_rapidas.extract import extract_queries

    config, settings, family, run = family_parts()
    started = time.perf_counter()
    results = extract_queries(
        conn_id=DMS_CONN_ID,
        queries=dict(family.queries),
        params=family.sql_params(settings, run),
        out_dir=out / "extract-bench",
        statement_timeout=config.statement_timeout,
    )
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rows": {r.name: r.rows for r in results},
        "results": [r.to_dict() for r in results],
    }


def raw_items(
    extract_results: list[dict[str, Any]],
) -> tuple[list[tuple[dict[str, Any], str, str]], list[Any]]:
    """The statements the run renders, as (context, language, engine), and the messages carrying
    them: the transform's output."""
    from alertas_rapidas.extract import load_frames
    from alertas_rapidas.families import load_transform

    _config, settings, family, run = family_parts()
    plan = load_transform(family)(load_frames(extract_results), settings, run)
    items = [
        ({**message.context, "lang": message.language}, message.language, settings.pdf_engine)
        for message in plan.messages
    ]
    return items, plan.messages


def dagrun_command(
    dags: Path, workers: int, logical: datetime, result_file: Path, conf: str = "{}"
) -> list[str]:
    return [
        sys.executable,
        "-m",
        "alertas_dev.bench.dagrun",
        "--dags",
        str(dags),
        "--dag-id",
        DAG_ID,
        "--logical-date",
        logical.isoformat(),
        "--workers",
        str(workers),
        "--out",
        str(result_file),
        "--conf",
        conf,
    ]


def warm_up(dags: Path, workers: int, out: Path) -> float:
    """One dry run over a month with no data, so the first measured run does not pay for the API
    server's and the executor's first requests (a cold first run was seconds slower)."""
    env = {**os.environ, "AIRFLOW__CORE__PARALLELISM": str(max(workers, 1))}
    logical = datetime(2026, 1, 1, 8, 0, tzinfo=ZoneInfo(DEALERSHIP_TZ))  # December 2025: no data
    command = dagrun_command(dags, workers, logical, out / "warm-up.json", json.dumps({"dry_run": True}))
    started = time.perf_counter()
    with (out / "warm-up.log").open("wb") as log:
        subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, check=True)
    return time.perf_counter() - started


def run_pipeline(dags: Path, workers: int, sink: Any, server: Any, out: Path) -> dict[str, Any]:
    """One run of the statements DAG into the sink, from a clean ledger and mailbox.

    The run happens in a child interpreter (`bench.dagrun`: Airflow reads its parallelism at
    import); the sink, and the sampler of the task processes' memory, stay here.
    """
    import psycopg

    with psycopg.connect(server.dsn("alerts"), autocommit=True) as conn:
        conn.execute("drop schema if exists alerts cascade")
    shutil.rmtree(out / "work", ignore_errors=True)
    sink.store.clear()
    result_file = out / f"run-{workers}.json"
    env = {**os.environ, "AIRFLOW__CORE__PARALLELISM": str(max(workers, 1))}
    command = dagrun_command(dags, workers, logical_date(), result_file)
    with (
        measure.TaskMemorySampler() as sampler,
        measure.CpuSampler() as cpu,
        (out / f"run-{workers}.log").open("wb") as log,
    ):
        started = time.perf_counter()
        subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, check=True)
        elapsed = time.perf_counter() - started
    child = json.loads(result_file.read_text(encoding="utf-8"))
    received = len(sink.store.messages)
    tasks = child["tasks"]
    with psycopg.connect(server.dsn("alerts"), autocommit=True) as conn:
        row = conn.execute(
            "select summary from alerts.runs where dag_id = %s order by finished_at desc limit 1", (DAG_ID,)
        ).fetchone()
    summary = row[0] if row else {}

    by_task: dict[str, dict[str, Any]] = {}
    for ti in tasks:
        ti["task_id"] = ti["task_id"].rpartition(".")[2]  # "batch.render" -> "render"
        item = by_task.setdefault(ti["task_id"], {"count": 0, "seconds": 0.0, "peak_kib": 0})
        item["count"] += 1
        item["seconds"] += ti["duration"]
        item["peak_kib"] = max(item["peak_kib"], sampler.peaks_kib.get(ti["id"], 0))
    mapped = [ti for ti in tasks if ti["task_id"] in ("render", "deliver") and ti["start"] and ti["end"]]
    span = (max(t["end"] for t in mapped) - min(t["start"] for t in mapped)) if mapped else 0.0
    return {
        "workers": workers,
        "state": child["state"],
        "wall": child["wall"],
        "process_wall": elapsed,
        "received": received,
        "sent": summary.get("sent", 0),
        "messages": summary.get("messages", 0),
        "candidates": summary.get("candidates", 0),
        "skipped": summary.get("skipped", {}),
        "tasks": by_task,
        "task_instances": tasks,
        "render_deliver_span": span,
        "max_parallel": max_parallel(mapped),
        "dag_test_process_peak_mib": child["process_peak_kib"] / 1024,
        "cpu_s": cpu.seconds,
    }


def max_parallel(intervals: list[dict[str, Any]]) -> int:
    events = sorted([(t["start"], 1) for t in intervals] + [(t["end"], -1) for t in intervals if t["end"]])
    running = peak = 0
    for _, change in events:
        running += change
        peak = max(peak, running)
    return peak


# --- report ------------------------------------------------------------------------------------


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "NOT met")


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def build_report(args: argparse.Namespace, facts: dict[str, Any]) -> list[str]:
    """The figures as Markdown: a header, one column per run, then the single measurements."""
    box, dms = facts["machine"], facts["dms"]
    runs, raw = facts["runs"], facts.get("raw", {})
    full_scale = args.customers >= 10_000
    lines = [
        f"- Date: {facts['date']}; machine: {box['cpu']}, {box['cores']} cores, {box['ram_gib']:.1f} GiB "
        f"RAM; Python {platform.python_version()}, Airflow {facts.get('airflow_version', '?')}",
        f"- Load average (1, 5, 15 min) before / after: {facts['load_before']} / {facts['load_after']} "
        "(a shared machine: other work ran at the same time)",
        f"- Scale: {args.customers:,} customers, {args.months} month(s) of ~{args.movements_per_month} "
        f"movements a month each: {dms['movements']:,} movements (generated in {dms['seconds']:.0f} s); "
        f"statements of {STATEMENT_MONTH}; batch size {facts.get('batch_size', '?')}; "
        f"pdf_engine {facts.get('pdf_engine', '?')}",
    ]
    if runs and facts.get("extract"):
        with_history = facts["extract"]["rows"].get("customers", 0)
        lines.append(
            f"- Statements: {runs[0]['messages']:,}, for the {with_history:,} customers with account history "
            "(the others are skipped by the family's rules: no e-mail, opted out, inactive, no activity)"
        )
    lines.append("")
    if runs:
        names = [run_label(r) for r in runs]
        lines += [
            _row(["statements DAG, one run each", *names, "target", ""]),
            _row(["---"] * (len(runs) + 3)),
        ]

        def add(label: str, values: list[str], target: str = "", ok: list[bool | None] | None = None) -> None:
            shown = "/".join(verdict(v) for v in ok) if ok and any(v is not None for v in ok) else ""
            lines.append(_row([label, *values, target, shown]))

        rates = [r["received"] / r["wall"] if r["wall"] else 0.0 for r in runs]
        add(
            "wall, extract to summarize",
            [f"{r['wall']:.1f} s ({r['state']})" for r in runs],
        )
        # Not every customer gets a statement (no e-mail, opted out, no activity...): the target is
        # for 10,000 statements, so the wall is also given at the run's rate for 10,000.
        projected = [r["wall"] * 10_000 / r["messages"] if r["messages"] else 0.0 for r in runs]
        add(
            "wall for 10,000 statements at the run's rate (wall x 10,000 / messages)",
            [f"{x:.0f} s" for x in projected],
            "<= 600 s",
            [x <= TARGETS["wall_s"] if full_scale else None for x in projected],
        )
        add(
            "messages planned / received by the SMTP sink",
            [f"{r['messages']:,} / {r['received']:,}" for r in runs],
            "all",
            [r["received"] == r["messages"] and r["state"] == "success" for r in runs],
        )
        add("messages/s (received / wall)", [f"{x:.1f}" for x in rates], ">= 17", [x >= 17 for x in rates])
        spans = [f"{r['render_deliver_span']:.1f} s" for r in runs]
        add("render+deliver span (first render start to last deliver end)", spans)
        for task in ("render", "deliver"):
            add(
                f"{task} tasks: count, summed time, ms per message",
                [_task_cost(r, task) for r in runs],
            )
        pdf_rates = [f"{_per_task_second(r, 'render'):.1f}" for r in runs]
        add("PDFs/s inside render tasks (PDFs / summed render time)", pdf_rates)
        add("most mapped tasks running at once", [str(r["max_parallel"]) for r in runs])
        job_ratios = []
        for r, rate in zip(runs, rates, strict=True):
            floor = raw.get(f"job_{max(r['workers'], 1)}")
            job_ratios.append(rate / floor["per_second"] if floor else None)
        if any(x is not None for x in job_ratios):
            add(
                "pipeline / raw job floor (render + mail + SMTP, no framework) on as many processes",
                [f"{x:.2f}" if x is not None else "-" for x in job_ratios],
            )
        ratios = []
        for r, rate in zip(runs, rates, strict=True):
            floor = raw.get(f"raw_{max(r['workers'], 1)}")
            ratios.append(rate / floor["per_second"] if floor else None)
        add(
            "pipeline / raw render floor on as many processes",
            [f"{x:.2f}" if x is not None else "-" for x in ratios],
            ">= 0.9",
            [None if x is None else x >= TARGETS["pipeline_vs_raw"] for x in ratios],
        )
        for task in ("extract", "transform", "render", "deliver", "summarize"):
            peaks = [r["tasks"].get(task, {}).get("peak_kib", 0) / 1024 for r in runs]
            add(
                f"peak RSS of the {task} task"
                + (" (largest mapped instance)" if task in ("render", "deliver") else ""),
                [f"{p:.0f} MiB" if p else "-" for p in peaks],
                "<= 1 GiB",
                [None if not p else p <= TARGETS["rss_mib"] for p in peaks],
            )
        if any(r["workers"] == 0 for r in runs):
            peaks = [f"{r['dag_test_process_peak_mib']:.0f} MiB" for r in runs]
            add("peak RSS of the dag.test() process (all tasks in it)", peaks)
        lines.append("")
        lines += cpu_table(runs, facts["machine"].get("cores") or 2)

    lines += [_row(["measure", "value", "target", ""]), _row(["---"] * 4)]
    by_workers = {r["workers"]: r for r in runs}
    if 1 in by_workers and 2 in by_workers:
        one, two = by_workers[1], by_workers[2]
        ratio = (two["received"] / two["wall"]) / (one["received"] / one["wall"])
        ok = verdict(ratio >= TARGETS["workers_ratio"])
        lines.append(_row(["2 workers vs 1 worker (messages/s)", f"{ratio:.2f}", ">= 1.8", ok]))
    for processes in (1, 2):
        item = raw.get(f"raw_{processes}")
        if item:
            label = f"raw render floor, {processes} process(es): {item['pdfs']:,} PDFs in a tight loop"
            size = item["bytes"] / item["pdfs"] / 1024
            value = f"{item['per_second']:.1f} PDFs/s ({item['seconds']:.1f} s, avg {size:.1f} KiB)"
            lines.append(_row([label, value, "", ""]))
    for processes in (1, 2):
        item = raw.get(f"job_{processes}")
        if item:
            label = (
                f"raw job floor, {processes} process(es): {item['messages']:,} messages rendered and sent "
                "in a tight loop (no Airflow, ledger or files)"
            )
            rate, seconds, received = item["per_second"], item["seconds"], item["received"]
            value = f"{rate:.1f} messages/s ({seconds:.1f} s, {received:,} received)"
            lines.append(_row([label, value, "", ""]))
    if "raw_1" in raw and "raw_2" in raw:
        scale = raw["raw_2"]["per_second"] / raw["raw_1"]["per_second"]
        lines.append(
            _row(["raw render, 2 processes vs 1 (what the machine gave 2 workers)", f"{scale:.2f}", "", ""])
        )
    if "job_1" in raw and "job_2" in raw:
        scale = raw["job_2"]["per_second"] / raw["job_1"]["per_second"]
        label = "raw job floor, 2 processes vs 1 (the job itself, its SMTP server on the same cores)"
        lines.append(_row([label, f"{scale:.2f}", "", ""]))
    shares = [
        f"{raw[f'job_{n}']['per_second'] / raw[f'raw_{n}']['per_second']:.2f}"
        for n in (1, 2)
        if f"job_{n}" in raw and f"raw_{n}" in raw
    ]
    if shares:
        label = "raw job floor / raw render floor, 1 / 2 processes (the same job with no framework)"
        lines.append(_row([label, " / ".join(shares), "", ""]))
    lines += cpu_budget(runs, raw, facts["machine"].get("cores") or 2)
    for name, what in (
        ("dagbag", "all alert DAGs"),
        ("dagbag_scaled", "the package's DAGs plus configured instances"),
    ):
        bag = facts.get(name)
        if not bag:
            continue
        label = (
            f"DagBag of {what} ({len(bag['dags'])} DAGs, {len(bag['errors'])} import errors) beyond "
            f"importing Airflow ({bag['airflow_import']:.2f} s)"
        )
        ok = verdict(bag["dagbag"] <= TARGETS["dagbag_s"])
        lines.append(_row([label, f"{bag['dagbag']:.2f} s", "<= 0.5 s", ok]))
    extract = facts.get("extract")
    if extract:
        rows = ", ".join(f"{name} {count:,}" for name, count in extract["rows"].items())
        label = f"statement extract over {dms['movements']:,} movements (rows: {rows})"
        ok = verdict(extract["seconds"] <= TARGETS["extract_s"])
        lines.append(_row([label, f"{extract['seconds']:.1f} s", "<= 10 s", ok]))
    for timing in facts.get("family_extracts") or []:
        label = f"extract of `{timing['family']}`"
        if "error" in timing:
            lines.append(_row([label, "failed: " + timing["error"][:120], "<= 10 s", verdict(False)]))
            continue
        label += f" ({timing['rows']:,} rows)"
        ok = verdict(timing["seconds"] <= TARGETS["extract_s"])
        lines.append(_row([label, f"{timing['seconds']:.2f} s", "<= 10 s", ok]))
    return lines


def cpu_table(runs: list[dict[str, Any]], cores: int) -> list[str]:
    """Where the machine's CPU went during each run: core-seconds by process role, and the share
    of what the cores could give over the run's wall time."""
    measured = [r for r in runs if r.get("cpu_s")]
    if not measured:
        return []
    lines = [
        _row(["CPU during the run, core-seconds (share of cores x wall)"] + [run_label(r) for r in measured]),
        _row(["---"] * (len(measured) + 1)),
    ]
    for role in next(iter(measured))["cpu_s"]:
        cells = []
        for r in measured:
            used = r["cpu_s"].get(role, 0.0)
            cells.append(f"{used:.1f} ({used / (r['process_wall'] * cores):.0%})")
        lines.append(_row([role, *cells]))
    totals = [sum(r["cpu_s"].values()) for r in measured]
    cells = [
        f"{t:.1f} ({t / (r['process_wall'] * cores):.0%})" for t, r in zip(totals, measured, strict=True)
    ]
    lines += [_row(["all processes", *cells]), ""]
    return lines


def cpu_budget(runs: list[dict[str, Any]], raw: dict[str, Any], cores: int) -> list[str]:
    """With as many workers as cores, what the pipeline / raw render target leaves for everything
    but the PDFs: the PDFs take the raw floor's CPU (every core busy for its seconds); at the
    target's wall the cores give 1/0.9 of that, so the rest of the run (mail, SMTP server,
    database, Airflow, extract and transform) and any idle time must fit in the other ninth."""
    run = next((r for r in runs if r["workers"] == cores and r.get("cpu_s")), None)
    floor = raw.get(f"raw_{cores}")
    if run is None or not floor:
        return []
    pdfs = floor["seconds"] * cores
    allowed = pdfs * (1 / TARGETS["pipeline_vs_raw"] - 1)
    used = sum(run["cpu_s"].values())
    idle = max(0.0, run["process_wall"] * cores - used)
    label = (
        f"{run_label(run)}: CPU beside the PDFs (all processes minus the raw floor's {pdfs:.0f} core-s) "
        f"+ idle cores, against what pipeline / raw >= {TARGETS['pipeline_vs_raw']} leaves"
    )
    value = f"{used - pdfs:.0f} + {idle:.0f} core-s against {allowed:.0f}"
    return [_row([label, value, "", ""])]


def run_label(run: dict[str, Any]) -> str:
    return "in-process" if run["workers"] == 0 else f"{run['workers']} worker(s)"


def _task_cost(run: dict[str, Any], task: str) -> str:
    item = run["tasks"].get(task)
    if not item or not run["messages"]:
        return "-"
    return f"{item['count']}, {item['seconds']:.1f} s, {item['seconds'] / run['messages'] * 1000:.1f}"


def _per_task_second(run: dict[str, Any], task: str) -> float:
    item = run["tasks"].get(task)
    return run["messages"] / item["seconds"] if item and item["seconds"] else 0.0


METHOD = """\
## How it was measured

- The DMS is the demo generator's (`alertas_dev.demo.dms_data`) in an embedded PostgreSQL
  (pgserver), which also holds the ledger and Airflow's metadata database. Mail goes to the package's
  `MailSink` (aiosmtpd), in the benchmark process, over one SMTP connection per deliver task.
- Workers: the statements DAG runs with `dag.test(use_executor=True)` on Airflow's LocalExecutor with
  `[core] parallelism` 1 or 2 (one child interpreter per run, as Airflow reads it at import), so
  the tasks of the mapped `batch` groups (render, then deliver, of one batch) run in 1 or 2 task
  processes at once; an Airflow API server
  (execution API only) serves those processes. `[workers] min_heartbeat_interval` is 1 s: a task's
  supervisor may notice that its task process has ended only at its next wake-up, up to that
  interval later (with the default 5 s, a run here sat idle 1.6 s per task on average, against
  0.1-0.5 s with 1 s; the stall is intermittent). `dag.test()`'s own loop polls about once a
  second, which is part of the wall, as a scheduler's loop would be. The LocalExecutor of Airflow
  3.3 counts a task as running only until the task starts (apache/airflow#71914), so each
  heartbeat hands it up to `parallelism` more ready tasks, into a first-in-first-out queue that
  its workers drain:
  a freed slot starts its next task at once, but the deliver tasks' higher priority (which the
  CeleryExecutor's slots honour) does not reorder them here: the renders queued first ran first.
- Warm-up: before the measured runs, one dry run of a month with no data (not measured) makes the
  API server and the executor serve their first requests; without it the first measured run was
  3-4 s slower.
- Wall: from the start of `dag.test()` to its end (extract, transform, every render and deliver,
  summarize), from an empty ledger and mailbox. messages/s = messages the sink received / wall.
- Raw render floor: the run's statements (the transform's output) drawn by
  `alertas_rapidas.pdf.statement.build_statement` in a tight loop: no Jinja, MIME, files or Airflow;
  with 2 processes the list is split in two (with `pdf_engine: html`, the statement template through
  Jinja and xhtml2pdf). pipeline / raw = messages/s over the whole wall against raw PDFs/s on as many
  processes as workers.
- Raw job floor: the same messages rendered whole (PDF, subject and bodies through Jinja, MIME) and
  sent to the same sink in a tight loop, over one SMTP connection per process: no Airflow, ledger
  or run files. pipeline / job floor is the share the framework leaves of the job itself.
- CPU by role: user + system time of every process on the machine, from `/proc/<pid>/stat` every
  0.2 s during the run, attributed by process title: task processes (`airflow worker -- <id>`),
  the LocalExecutor's workers that supervise them, the `dag.test()` process (its loop schedules
  tasks, as a scheduler would), the execution API server, PostgreSQL, this benchmark process (the
  SMTP sink and the samplers) and everything else. It spans the run's child interpreter, which
  lives 2-3 s longer than the wall (importing Airflow, tearing down); the share is core-seconds /
  (cores x that lifetime).
- Peak RSS: VmHWM (the kernel's high-water mark of a process's resident memory) of each task
  process, found by the title Airflow's task runner gives it and read from /proc every 0.2 s; per
  task, the largest over its mapped instances. It includes memory shared with the Airflow worker the
  task process was forked from.
- DagBag: a fresh interpreter imports Airflow (timed apart), then fills a DagBag from `dags/` (every
  alert DAG); best of 3.
- Extract: the family's three SQL files in one read-only snapshot, streamed to Parquet in
  50,000-row chunks, over every movement of the generated DMS (after ANALYZE).
- The machine is shared: other engineers' tests and an Airflow instance ran at the same time, so
  figures move by tens of percent from run to run; the load averages above show how busy it was.

## Reading the figures

- pipeline / raw render floor: every message costs more than its PDF: the mail itself (subject and
  two bodies through Jinja, the MIME message and its bytes: about 0.8 ms), the SMTP exchange (four
  round trips, about 2 ms with the server's own work on the same two cores), and in the deliver
  task a ledger claim and an outcome record (two commits, about 0.3 ms each: the claim must be
  durable before the SMTP transaction). The raw job floor shows the first two with no framework
  at all. How close the ratio can come to 1 depends on the PDF engine: with reportlab
  (`pdf_engine: reportlab`, about 4 ms a statement) the job floor itself is about half the render
  floor, so no pipeline that also sends the mail reaches 0.9; with xhtml2pdf (`pdf_engine: html`,
  about 50 ms) the same costs are small beside the PDF. pipeline / raw job floor is what the
  framework itself costs: Airflow's task start-ups and scheduling, the extract and transform
  before the first render, the ledger, the run files.
- 2 workers vs 1: "raw render, 2 processes vs 1" is what the machine gave two processes at that
  moment, and the raw job floor's own 2-vs-1 what it gave the job with its SMTP server beside it.
  The CPU table shows where the rest went: with one worker, Airflow's own processes (the
  `dag.test()` loop, the executor's workers supervising the tasks, the API server), PostgreSQL
  and the SMTP sink run on the otherwise idle second core; with two workers they take their
  share of both cores from the tasks. In production they run elsewhere (scheduler, API server,
  database and mail server on their own machines or containers).
- CPU beside the PDFs: with as many workers as cores, pipeline / raw >= 0.9 means a wall of at
  most 1/0.9 of the raw floor's, so everything but the PDFs (mail, SMTP server, database,
  Airflow's processes, extract and transform, the samplers) plus any idle core time must fit in
  a ninth of the PDFs' own CPU. The row puts what the run used beside what that leaves.
"""


def write_docs(path: Path, lines: list[str], command: str | None = None) -> None:
    command = command or " ".join(["python -m alertas_dev.bench", *sys.argv[1:]])
    text = "\n".join(
        [
            "# Benchmarks: account statements at scale",
            "",
            f"Written by `make bench` (`{command}`); every figure comes from that one run.",
            "",
            *lines,
            "",
            METHOD,
        ]
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# --- main --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.from_facts:
        return report(args, json.loads(Path(args.from_facts).read_text(encoding="utf-8")))
    out = Path(args.out).resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    dags = write_bench_dags(out, args.batch_size, args.pdf_engine)
    prepare_environment(out, dags, args.log_level)
    facts: dict[str, Any] = {
        "command": " ".join(["python -m alertas_dev.bench", *sys.argv[1:]]),
        "machine": measure.machine(),
        "date": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "load_before": measure.load_average(),
        "runs": [],
    }

    step("Starting an embedded PostgreSQL (DMS, ledger, Airflow metadata)")
    server = start_postgres(out)
    api = None
    try:
        step(f"Generating the DMS: {args.customers:,} customers x {args.months} months")
        facts["dms"] = load_dms(server, args)
        print(f"    {facts['dms']['movements']:,} movements in {facts['dms']['seconds']:.1f} s", flush=True)
        if args.worker_counts:
            step("Migrating Airflow's metadata database")
            migrate_airflow_db()

        import airflow

        from alertas_dev.demo.mail_sink import MailSink

        facts["airflow_version"] = airflow.__version__
        config, settings = family_parts()[:2]
        facts["batch_size"], facts["pdf_engine"] = config.batch_size, settings.pdf_engine

        step("Timing the statement extract")
        extract = time_extract(out)
        if not args.skip_extract:
            facts["extract"] = extract
            print(f"    {extract['seconds']:.2f} s, rows {extract['rows']}", flush=True)

        if not args.skip_dagbag:
            step("Timing the DagBag load of every alert DAG")
            env = {**os.environ, "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags")}
            facts["dagbag"] = measure.dagbag_load(PROJECT_ROOT / "dags", env)
            print(f"    {facts['dagbag']['dagbag']:.2f} s beyond Airflow's import", flush=True)
            step(f"Timing the DagBag load of {CATALOGUE_SIZE} alert DAGs (configured instances added)")
            facts["dagbag_scaled"] = measure.dagbag_load_scaled(
                PROJECT_ROOT / "dags", CATALOGUE_SIZE, env, out / "dagbag"
            )
            print(f"    {facts['dagbag_scaled']['dagbag']:.2f} s beyond Airflow's import", flush=True)

        if not args.skip_family_extracts:
            step("Timing every family's extract")
            facts["family_extracts"] = measure.family_extracts(
                PROJECT_ROOT / "dags" / "families", logical_date(), out
            )
            slowest = max((t for t in facts["family_extracts"] if "seconds" in t), key=lambda t: t["seconds"])
            print(f"    slowest: {slowest['family']} {slowest['seconds']:.2f} s", flush=True)

        if any(workers > 0 for workers in args.worker_counts):
            step("Starting Airflow's execution API server")
            api = start_api_server(out)
        with MailSink() as sink:
            os.environ["AIRFLOW_CONN_SMTP_DEFAULT"] = sink.connection_json()
            if any(workers > 0 for workers in args.worker_counts):
                step("Warm-up run (a month with no data, dry run; not measured)")
                facts["warm_up_s"] = warm_up(dags, max(args.worker_counts), out)
                print(f"    {facts['warm_up_s']:.1f} s", flush=True)
            for workers in args.worker_counts:
                label = "in-process" if workers == 0 else f"{workers} worker(s)"
                step(f"Running {DAG_ID} for {RUN_DATE} with {label}")
                result = run_pipeline(dags, workers, sink, server, out)
                facts["runs"].append(result)
                print(
                    f"    {result['state']} in {result['wall']:.1f} s: {result['received']:,} message(s) "
                    f"received, {result['received'] / result['wall']:.1f}/s",
                    flush=True,
                )

        if not args.skip_raw:
            items, messages = raw_items(extract["results"])
            facts["raw"] = {}
            process_counts = sorted({max(workers, 1) for workers in args.worker_counts} | {1})
            for processes in process_counts:
                step(f"Raw render floor: {len(items):,} PDFs in a tight loop, {processes} process(es)")
                facts["raw"][f"raw_{processes}"] = measure.raw_render(items, processes)
                print(f"    {facts['raw'][f'raw_{processes}']['per_second']:.1f} PDFs/s", flush=True)
            if not args.skip_job_floor:
                with MailSink() as sink:
                    for processes in process_counts:
                        step(
                            f"Raw job floor: {len(messages):,} messages rendered and sent in a tight loop, "
                            f"{processes} process(es)"
                        )
                        sink.store.clear()
                        job = measure.raw_send(messages, sink.port, "alertas@autosur.example.com", processes)
                        job["received"] = len(sink.store.messages) - job["warm_up"]
                        facts["raw"][f"job_{processes}"] = job
                        print(f"    {job['per_second']:.1f} messages/s", flush=True)
    finally:
        if api is not None:
            api.terminate()
            try:
                api.wait(30)
            except subprocess.TimeoutExpired:
                api.kill()
        server.stop()

    facts["load_after"] = measure.load_average()
    facts["args"] = {k: v for k, v in vars(args).items() if k != "from_facts"}
    (out / "facts.json").write_text(json.dumps(facts, default=str, indent=1), encoding="utf-8")
    return report(args, facts)


def report(args: argparse.Namespace, facts: dict[str, Any]) -> int:
    """Print the report, write it unless --no-docs; non-zero when a run did not deliver everything."""
    if args.from_facts and "args" in facts:  # the scale of the run that measured, not today's options
        for name in ("customers", "months", "movements_per_month"):
            setattr(args, name, facts["args"][name])
    lines = build_report(args, facts)
    print()
    print("\n".join(lines))
    if not args.no_docs:
        write_docs(Path(args.docs), lines, facts.get("command"))
        print(f"\nWritten to {args.docs}")
    failed = [run for run in facts["runs"] if run["state"] != "success" or run["received"] != run["messages"]]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
