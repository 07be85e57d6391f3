"""The measurements: extract timing, the raw job floor, warm-up and the pipeline runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from alertas_dev.bench import measure
from alertas_dev.bench.settings import DAG_ID, DEALERSHIP_TZ, FAMILY, RUN_DATE


def family_parts() -> tuple[Any, Any, Any, Any]:
    from alertas_rapidas.config import load_family_config
    from alertas_rapidas.families import get_family
    from alertas_rapidas.schedule.run_time import resolve_run_time

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
    extract_results: list[dict[str, Any]],  # ExtractResult's JSON form (the bench's result file)
) -> tuple[list[tuple[dict[str, Any], str, str]], list[Any]]:
    """The statements the run renders, as (context, language, engine), and the messages carrying
    them: the transform's output."""
    from alertas_rapidas.branding import brand_context
    from alertas_rapidas.contracts.tasks import ExtractResult
    from alertas_rapidas.extract import load_frames
    from alertas_rapidas.families import load_transform

    config, settings, family, run = family_parts()
    results = [ExtractResult.from_dict(item) for item in extract_results]
    plan = load_transform(family)(load_frames(results), settings, run)
    brand = brand_context(config.branding)  # the logo and letterhead the render step draws too
    items = [
        ({**message.context, "lang": message.language, "brand": brand}, message.language, settings.pdf_engine)
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
