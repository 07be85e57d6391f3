"""`python -m alertas_dev.bench.scale`: memory against customer count, and Celery scale-out.

Two measurements beside the main benchmark (`python -m alertas_dev.bench`), written to
docs/benchmarks-scale.md:

- memory: the main benchmark at two scales (default 10,000 and 100,000 customers, 2 LocalExecutor
  workers), each in its own run of `alertas_dev.bench`; per task, the peak RSS at both scales and
  their ratio (target: every task <= 512 MiB, and at the large scale <= 1.2 x the small one), and
  the large run's wall (target: <= 8 min with 2 workers).
- celery: the statements DAG on a real CeleryExecutor (tools/alertas_dev/celery_stack.py: Redis,
  scheduler, DAG processor, API server, Celery workers with their own folders, run files in a
  SeaweedFS bucket) with 1 worker, then with 2; wall from the run's start to its end in the
  metadata database, messages/s, 2 workers vs 1 (target >= 1.6), and whether deliver tasks started
  before the last render started (from the task instances' start times).

`--from-facts` re-writes the report from earlier measurements (scale-facts.json).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from alertas_dev.bench import measure

PROJECT_ROOT = Path(__file__).resolve().parents[3]
DAG_ID = "alert_customer_statements"
TASKS = ("extract", "transform", "render", "deliver", "summarize")
TARGETS = {"rss_mib": 512.0, "rss_growth": 1.2, "large_wall_s": 480.0, "celery_ratio": 1.7}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m alertas_dev.bench.scale", description=__doc__)
    parser.add_argument("--small", type=int, default=10_000, help="customers of the small run (10000)")
    parser.add_argument("--large", type=int, default=100_000, help="customers of the large run (100000)")
    parser.add_argument(
        "--celery-customers",
        type=int,
        default=10_000,
        help="customers of the Celery runs with 1 and 2 workers",
    )
    parser.add_argument(
        "--celery-large", type=int, default=100_000, help="customers of the Celery run at scale (0: none)"
    )
    parser.add_argument(
        "--celery-batch-size", type=int, default=None, help="batch size of the Celery runs (the family's own)"
    )
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-celery", action="store_true")
    parser.add_argument(
        "--memory-facts",
        nargs=2,
        metavar=("SMALL_FACTS", "LARGE_FACTS"),
        help="use two facts.json of earlier `alertas_dev.bench` runs instead of running them",
    )
    parser.add_argument("--out", default=str(PROJECT_ROOT / ".bench-scale"))
    parser.add_argument("--docs", default=str(PROJECT_ROOT / "docs" / "benchmarks-scale.md"))
    parser.add_argument("--from-facts", metavar="SCALE_FACTS_JSON", help="only re-write the report")
    return parser.parse_args(argv)


def step(text: str) -> None:
    print(f"==> {text}", flush=True)


# --- memory against scale ----------------------------------------------------------------------


def bench_run(customers: int, out: Path) -> dict[str, Any]:
    """One run of the main benchmark at `customers` with 2 workers; its facts."""
    command = [
        sys.executable, "-m", "alertas_dev.bench", "--customers", str(customers), "--workers", "2",
        "--skip-dagbag", "--skip-family-extracts", "--skip-raw", "--no-docs", "--out", str(out),
    ]  # fmt: skip
    with (out.parent / f"bench-{customers}.log").open("wb") as log:
        subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=False)
    return json.loads((out / "facts.json").read_text(encoding="utf-8"))


def memory_summary(small: dict[str, Any], large: dict[str, Any]) -> dict[str, Any]:
    def peaks(facts: dict[str, Any]) -> dict[str, float]:
        run = facts["runs"][-1]
        return {task: run["tasks"].get(task, {}).get("peak_kib", 0) / 1024 for task in TASKS}

    run = large["runs"][-1]
    return {
        "small": {"customers": small["args"]["customers"], "movements": small["dms"]["movements"],
                  "peaks": peaks(small), "wall": small["runs"][-1]["wall"],
                  "messages": small["runs"][-1]["messages"]},
        "large": {"customers": large["args"]["customers"], "movements": large["dms"]["movements"],
                  "peaks": peaks(large), "wall": run["wall"], "messages": run["messages"],
                  "received": run["received"], "state": run["state"]},
        "load": [small.get("load_before"), large.get("load_after")],
    }  # fmt: skip


# --- Celery ------------------------------------------------------------------------------------


def celery_runs(args: argparse.Namespace, out: Path) -> dict[str, Any]:
    """The statements DAG on the CeleryExecutor, run files in the bucket: at `celery_customers` with
    1 worker, then 2 (same data, ledger cleared), then at `celery_large` customers with 2."""
    import psycopg

    from alertas_dev.bench.__main__ import write_bench_dags
    from alertas_dev.celery_stack import CeleryStack
    from alertas_dev.demo.local_postgres import LocalPostgres
    from alertas_dev.demo.mail_sink import MailSink
    from alertas_dev.object_store import seaweedfs

    dags = write_bench_dags(out, args.celery_batch_size, None)
    server = LocalPostgres(out / "pg").start()
    results: dict[str, Any] = {"batch_size": family_batch_size(dags), "runs": []}
    plan = [(args.celery_customers, 1), (args.celery_customers, 2)]
    if args.celery_large:
        plan.append((args.celery_large, 2))
    try:
        for database in ("dms", "alerts", "airflow"):
            server.create_database(database, drop=True)
        with seaweedfs(out / "seaweedfs") as store, MailSink() as sink:
            env = {
                **store.env("bench-work"),
                "AIRFLOW_CONN_DMS_POSTGRES": server.connection_json("dms"),
                "AIRFLOW_CONN_ALERTS_POSTGRES": server.connection_json("alerts"),
                "AIRFLOW_CONN_SMTP_DEFAULT": sink.connection_json(),
                "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
                "AIRFLOW_VAR_ALERTAS_UNSUBSCRIBE_SECRET": "bench-only-unsubscribe-key-0001",
            }
            stack = CeleryStack(
                home=out / "stack",
                metadata_db=f"postgresql://postgres@/airflow?host={server.socket_dir}",
                env=env,
                dags_folder=dags,
                workers=2,
            )
            try:
                stack.start(worker_count=1)
                stack.wait_for_dag(DAG_ID)
                step("Celery: warm-up (dry run, a month with no data)")
                warm = stack.trigger(DAG_ID, "2026-01-01T11:00:00+00:00", json.dumps({"dry_run": True}))
                stack.wait_for_run(DAG_ID, warm, timeout=600)
                loaded, workers_up = 0, 1
                for number, (customers, workers) in enumerate(plan, start=1):
                    if customers != loaded:
                        load_statements_dms(server, customers)
                        loaded = customers
                    if workers != workers_up:
                        stack.start_workers(workers)
                        time.sleep(10)  # the new worker connects to the broker
                        workers_up = workers
                    with psycopg.connect(server.dsn("alerts"), autocommit=True) as conn:
                        conn.execute("drop schema if exists alerts cascade")
                    sink.store.clear()
                    step(f"Celery: statements of {customers:,} customers with {workers} worker(s)")
                    # Each run its own logical date (unique per DAG), all on 1 November: October's.
                    result = celery_run(
                        stack, server, store, sink, f"2026-11-01T11:{number:02d}:00+00:00", out
                    )
                    result.update(customers=customers, workers=workers)
                    results["runs"].append(result)
                    print(f"    {result['state']}: {json.dumps(result, default=str)[:400]}", flush=True)
            finally:
                stack.stop()
    finally:
        server.stop()
    return results


def family_batch_size(dags: Path) -> int:
    """The statements family's batch size as the bench's DAGs folder sets it."""
    from alertas_dev.bench.settings import FAMILY
    from alertas_rapidas.config import load_family_config

    config, _ = load_family_config(dags / "families" / f"{FAMILY}.yaml")
    return config.batch_size


def load_statements_dms(server: Any, customers: int) -> None:
    import psycopg

    from alertas_dev.bench.settings import RUN_DATE
    from alertas_dev.demo import dms_data

    step(f"Celery: generating the DMS, {customers:,} customers")
    with psycopg.connect(server.dsn("dms"), autocommit=True) as conn:
        conn.execute("drop schema if exists dms cascade")
        conn.execute((PROJECT_ROOT / "sql" / "dms" / "schema.sql").read_text())
        dms_data.load_demo_data(conn, customers=customers, reference_date=RUN_DATE, months=7)
        conn.execute("vacuum analyze")  # as a live DMS is (see bench.setup.load_dms)


def _ledger_transactions(server: Any) -> int:
    """Transactions (each autocommit statement is one) the ledger database has committed or rolled
    back: the package's round trips that write or read its own state."""
    import psycopg

    with psycopg.connect(server.dsn("postgres"), autocommit=True) as conn:
        row = conn.execute(
            "select xact_commit + xact_rollback from pg_stat_database where datname = 'alerts'"
        ).fetchone()
    return int(row[0]) if row else 0


def celery_run(stack: Any, server: Any, store: Any, sink: Any, logical: str, out: Path) -> dict[str, Any]:
    """One run of the statements DAG on the stack, with what it cost: wall from the run's start to
    the last message received, object-store requests and ledger transactions per message, the share
    of the mapped tasks' time that was not their work (start-up), peak RSS per task."""
    requests_before, transactions_before = store.requests(), _ledger_transactions(server)
    with (
        measure.TaskMemorySampler(interval=0.5) as memory,
        measure.ForeignCpuSampler(marker=str(out)) as other,
    ):
        run_id = stack.trigger(DAG_ID, logical)
        state = stack.wait_for_run(DAG_ID, run_id, timeout=5400)
    time.sleep(2)  # the last task processes have exited: their statistics are in
    requests_after, transactions_after = store.requests(), _ledger_transactions(server)
    start, end = stack.metadata(
        "select start_date, end_date from dag_run where dag_id = %s and run_id = %s", (DAG_ID, run_id)
    )[0]
    tasks = stack.task_instances(DAG_ID, run_id)
    received = sorted(m.received_at for m in sink.store.messages)
    messages = len(received)
    last = datetime.fromtimestamp(received[-1], tz=start.tzinfo) if received else end
    wall = (last - start).total_seconds()
    requests = {kind: n - requests_before.get(kind, 0) for kind, n in requests_after.items()}
    work = {
        (task_id, map_index): float(value.get("seconds") or 0)
        for task_id, map_index, value in stack.metadata(
            "select task_id, map_index, value from xcom where dag_id = %s and run_id = %s "
            "and key = 'return_value'",
            (DAG_ID, run_id),
        )
        if isinstance(value, dict)
    }
    mapped = [t for t in tasks if t["task_id"].rpartition(".")[2] in ("render", "deliver") and t["end"]]
    task_time = sum((t["end"] - t["start"]).total_seconds() for t in mapped)
    work_time = sum(work.get((t["task_id"], t["map_index"]), 0.0) for t in mapped)
    ids = dict(stack.metadata("select id::text, task_id from task_instance where dag_id = %s and run_id = %s",
                              (DAG_ID, run_id)))  # fmt: skip
    peaks: dict[str, float] = {}
    for ti_id, kib in memory.peaks_kib.items():
        task = ids.get(ti_id, "?").rpartition(".")[2]
        peaks[task] = max(peaks.get(task, 0.0), kib / 1024)
    cores = measure.machine()["cores"]
    return {
        **celery_result(state, (start, end), tasks, messages),
        "wall": wall,
        "wall_run": (end - start).total_seconds(),
        "per_second": messages / wall if wall else 0.0,
        "object_requests": requests,
        "object_requests_per_message": sum(requests.values()) / messages if messages else None,
        "ledger_transactions_per_message": (transactions_after - transactions_before) / messages
        if messages
        else None,
        "startup_share": 1 - work_time / task_time if task_time else None,
        "peak_mib": peaks,
        "quiet": other.quiet(cores),
        "quiet_describe": other.describe(cores),
    }


def celery_result(
    state: str, row: tuple[Any, Any], tasks: list[dict[str, Any]], received: int
) -> dict[str, Any]:
    """What the task instances say of a run: how the mapped tasks overlapped and where they ran."""
    renders = [t for t in tasks if t["task_id"].endswith("render") and t["start"]]
    delivers = [t for t in tasks if t["task_id"].endswith("deliver") and t["start"]]
    first_deliver = min((t["start"] for t in delivers), default=None)
    first_render_end = min((t["end"] for t in renders if t["end"]), default=None)
    last_render = max((t["start"] for t in renders), default=None)
    hosts: dict[str, int] = {}
    for task in renders + delivers:
        hosts[task["hostname"]] = hosts.get(task["hostname"], 0) + 1
    return {
        "state": state,
        "received": received,
        "renders": len(renders),
        "delivers": len(delivers),
        "deliver_before_last_render": bool(first_deliver and last_render and first_deliver < last_render),
        "first_deliver_s": (first_deliver - row[0]).total_seconds() if first_deliver else None,
        "first_deliver_after_first_render_s": (first_deliver - first_render_end).total_seconds()
        if first_deliver and first_render_end
        else None,
        "last_render_start_s": (last_render - row[0]).total_seconds() if last_render else None,
        "hosts": hosts,
    }


# --- report ------------------------------------------------------------------------------------


def _types(counts: dict[str, int]) -> str:
    return ", ".join(f"{kind} {n:,}" for kind, n in sorted(counts.items()) if n) or "none"


def verdict(ok: bool | None) -> str:
    return "" if ok is None else ("met" if ok else "NOT met")


def row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _busy(facts: dict[str, Any]) -> bool:
    """A load average above the core count before or after the runs (\"1.0 0.9 0.8\" strings)."""
    cores = facts["machine"]["cores"]
    loads = [str(facts.get(key) or "").split()[:1] for key in ("load_before", "load_after")]
    return any(load[0].replace(".", "", 1).isdigit() and float(load[0]) > cores for load in loads)


def build_report(facts: dict[str, Any]) -> list[str]:
    lines = [
        "# Benchmarks: memory at 100,000 customers and Celery scale-out",
        "",
        "Written by `make bench` (`python -m alertas_dev.bench.scale`); how each figure is measured is",
        "in the module's docstring and in [benchmarks.md](benchmarks.md) (peak RSS: VmHWM of each task",
        "process).",
        "",
        f"- Date: {facts['date']}; machine: {facts['machine']['cpu']}, {facts['machine']['cores']} cores; "
        f"load average before / after: {facts['load_before']} / {facts['load_after']}"
        + (" (the machine was busy: other work shared the cores)" if _busy(facts) else ""),
        "",
    ]
    memory = facts.get("memory")
    if memory:
        small, large = memory["small"], memory["large"]
        lines += [
            "## Memory flat in the customer count (LocalExecutor, 2 workers)",
            "",
            f"- Small: {small['customers']:,} customers, {small['movements']:,} movements, "
            f"{small['messages']:,} statements, wall {small['wall']:.0f} s",
            f"- Large: {large['customers']:,} customers, {large['movements']:,} movements, "
            f"{large['messages']:,} statements planned, {large['received']:,} received, wall "
            f"{large['wall']:.0f} s ({large['state']})",
            "",
            row(["task", f"peak RSS at {small['customers']:,}", f"at {large['customers']:,}", "ratio",
                 "target", ""]),
            row(["---"] * 6),
        ]  # fmt: skip
        for task in TASKS:
            a, b = small["peaks"][task], large["peaks"][task]
            ratio = b / a if a else None
            ok = None if not (a and b) else (b <= TARGETS["rss_mib"] and ratio <= TARGETS["rss_growth"])
            lines.append(
                row([task, f"{a:.0f} MiB" if a else "-", f"{b:.0f} MiB" if b else "-",
                     f"{ratio:.2f}" if ratio else "-", "<= 512 MiB, <= 1.2 x", verdict(ok)])
            )  # fmt: skip
        wall_ok = large["wall"] <= TARGETS["large_wall_s"] and large["received"] == large["messages"]
        lines += [
            "",
            row(["measure", "value", "target", ""]),
            row(["---"] * 4),
            row([f"{large['customers']:,} customers rendered and delivered, 2 workers (wall)",
                 f"{large['wall']:.0f} s", "<= 480 s", verdict(wall_ok)]),
            "",
        ]  # fmt: skip
    steps = facts.get("step_memory")
    if steps:
        small, large = steps["small"], steps["large"]
        lines += [
            "## Peak RSS of the extract and transform steps against the customer count",
            "",
            "Each step alone in a fresh interpreter (`python -m alertas_dev.bench.step_memory`) on the",
            "same generated DMS as the pipeline runs; a plain process, about 100 MiB below the same",
            "step's Airflow task process. Render, deliver and summarize hold one batch at most",
            "(`batch_size`), whatever the customer count.",
            "",
            row(["step", f"{steps['small_customers']:,} customers", f"{steps['large_customers']:,} customers",
                 "ratio", "target", ""]),
            row(["---"] * 6),
        ]  # fmt: skip
        by_step = {item["step"]: item for item in large}
        for item in small:
            other = by_step.get(item["step"])
            if other is None:
                continue
            ratio = other["peak_mib"] / item["peak_mib"]
            sliced = "whole" not in item["step"]
            ok = (
                (other["peak_mib"] <= TARGETS["rss_mib"] and ratio <= TARGETS["rss_growth"])
                if sliced
                else None
            )
            lines.append(
                row([item["step"], f"{item['peak_mib']:.0f} MiB ({item['seconds']:.0f} s)",
                     f"{other['peak_mib']:.0f} MiB ({other['seconds']:.0f} s)", f"{ratio:.2f}",
                     "<= 512 MiB, <= 1.2 x" if sliced else "(for comparison)", verdict(ok)])
            )  # fmt: skip
        lines.append("")
    celery = facts.get("celery")
    if celery and celery.get("runs"):
        runs = celery["runs"]
        lines += [
            "## CeleryExecutor, no shared disk (run files in a SeaweedFS bucket)",
            "",
            f"- Batch size {celery['batch_size']}; one Celery slot per worker; Redis broker, scheduler, DAG "
            "processor, API server, PostgreSQL, SeaweedFS and the SMTP sink on the same 2 cores",
            "- Wall: from the run's start to the last message the SMTP server received. Object requests: "
            "what SeaweedFS answered on the bucket during the run (its own counters). Ledger "
            "transactions: what the ledger database committed or rolled back (pg_stat_database). "
            "Start-up share: the mapped tasks' time that was not their own work (process start, imports, "
            "connections, XCom): 1 - work / task time, the work as each task measured it",
            "",
            row(["statements DAG on Celery",
                 *[f"{r['customers']:,} customers, {r['workers']} worker(s)" for r in runs]]),
            row(["---"] * (len(runs) + 1)),
            row(["state; wall (run start to last message received)",
                 *[f"{r['state']}; {r['wall']:.0f} s ({r['wall'] / 60:.1f} min)" for r in runs]]),
            row(["messages received, per second",
                 *[f"{r['received']:,}, {r['per_second']:.1f}/s" for r in runs]]),
            row(["object-store requests per message (by type)",
                 *[f"{r['object_requests_per_message']:.4f} ({_types(r['object_requests'])})"
                   if r["object_requests_per_message"] is not None else "-" for r in runs]]),
            row(["ledger transactions per message",
                 *[f"{r['ledger_transactions_per_message']:.3f}"
                   if r["ledger_transactions_per_message"] is not None else "-" for r in runs]]),
            row(["start-up share of the render and deliver tasks",
                 *[f"{r['startup_share']:.1%}" if r["startup_share"] is not None else "-" for r in runs]]),
            row(["peak RSS per task",
                 *[", ".join(f"{task} {mib:.0f} MiB" for task, mib in sorted(r["peak_mib"].items()))
                   for r in runs]]),
            row(["render / deliver tasks", *[f"{r['renders']} / {r['delivers']}" for r in runs]]),
            row(["mapped tasks per worker (host name)",
                 *[", ".join(f"{h}: {n}" for h, n in sorted(r["hosts"].items())) for r in runs]]),
            row(["first deliver after the first render ended",
                 *[f"{r['first_deliver_after_first_render_s']:.1f} s"
                   if r["first_deliver_after_first_render_s"] is not None else "-" for r in runs]]),
            row(["quiet machine during the run", *[("yes" if r["quiet"] else "NO: ") + ("" if r["quiet"]
                 else r["quiet_describe"]) for r in runs]]),
            "",
        ]  # fmt: skip
        by = {(r["customers"], r["workers"]): r for r in runs}
        small = min(r["customers"] for r in runs)
        one, two = by.get((small, 1)), by.get((small, 2))
        large = [r for r in runs if r["customers"] > small and r["workers"] == 2]
        lines += [row(["measure", "value", "target", ""]), row(["---"] * 4)]
        if one and two and one["per_second"]:
            ratio = two["per_second"] / one["per_second"]
            lines.append(row([f"Celery at {small:,} customers, 2 workers vs 1 (messages/s)", f"{ratio:.2f}",
                              ">= 1.7", verdict(ratio >= TARGETS["celery_ratio"])]))  # fmt: skip
        for r in large:
            ok = r["wall"] <= TARGETS["large_wall_s"] and r["state"] == "success"
            label = f"{r['customers']:,} customers on Celery, 2 workers, bucket: run start to last message"
            lines.append(row([label, f"{r['wall']:.0f} s", "<= 480 s", verdict(ok)]))
        for r in runs:
            per = r["object_requests_per_message"]
            if per is not None:
                lines.append(row([f"object-store requests per message, {r['customers']:,} customers, "
                                  f"{r['workers']} worker(s)", f"{per:.4f}", "<= 0.02",
                                  verdict(per <= 0.02)]))  # fmt: skip
        for r in runs:
            peak = max(r["peak_mib"].values(), default=0.0)
            label = f"largest task peak RSS, {r['customers']:,} customers, {r['workers']} worker(s)"
            lines.append(row([label, f"{peak:.0f} MiB", "<= 512 MiB", verdict(peak <= TARGETS["rss_mib"])]))
        lines.append("")
    lines += facts.get("notes", [])
    return lines


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.from_facts:
        facts = json.loads(Path(args.from_facts).read_text(encoding="utf-8"))
    else:
        out = Path(args.out).resolve()
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        facts = {
            "date": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "machine": measure.machine(),
            "load_before": measure.load_average(),
        }
        if not args.skip_memory:
            if args.memory_facts:
                small, large = (json.loads(Path(p).read_text(encoding="utf-8")) for p in args.memory_facts)
            else:
                step(f"Main benchmark at {args.small:,} customers (2 workers)")
                small = bench_run(args.small, out / f"bench-{args.small}")
                step(f"Main benchmark at {args.large:,} customers (2 workers)")
                large = bench_run(args.large, out / f"bench-{args.large}")
            facts["memory"] = memory_summary(small, large)
        if not args.skip_celery:
            os.environ.setdefault("AIRFLOW_HOME", str(out / "airflow"))
            facts["celery"] = celery_runs(args, out / "celery")
        facts["load_after"] = measure.load_average()
        (out / "scale-facts.json").write_text(json.dumps(facts, default=str, indent=1), encoding="utf-8")
    lines = build_report(facts)
    print("\n".join(lines))
    Path(args.docs).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nWritten to {args.docs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
