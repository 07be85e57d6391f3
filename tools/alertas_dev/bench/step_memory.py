"""`python -m alertas_dev.bench.step_memory`: peak RSS of the statements extract and transform.

Each step runs in a fresh interpreter against a DMS already loaded in an embedded PostgreSQL
(the data folder of a `python -m alertas_dev.bench` run, e.g. .bench-scale/bench-100000/pg): the
extract (`extract_queries`, the same call as the DAG's extract task) and the transform (the DAG's
transform step: `chunked_frames` slices of 2,000 customers, the family's transform, `PlanWriter`)
with `--whole` the transform as it was before slicing (every extract in memory at once). Prints
one JSON line: customers, rows, seconds and the process's peak RSS (`ru_maxrss`) per step.

The figures are of a plain Python process (no Airflow task runner around it), so they sit about
100 MiB below the same step's Airflow task process; compare them across scales, not with the
pipeline's per-task figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _connection(pg_dir: str, database: str) -> str:
    return json.dumps({"conn_type": "postgres", "host": pg_dir, "login": "postgres", "schema": database})


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_step(step: str, dags: str, work: str, whole: bool) -> dict[str, Any]:
    """One step, in this process (called in a child interpreter)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from alertas_rapidas.config import load_family_config
    from alertas_rapidas.connections import DMS_CONN_ID
    from alertas_rapidas.families import get_family, load_transform
    from alertas_rapidas.schedule.run_time import resolve_run_time

    config, settings = load_family_config(Path(dags) / "families" / "customer_statements.yaml")
    family = get_family(config.implementation)
    run = resolve_run_time(
        timezone=config.timezone,
        logical_date=datetime(2026, 11, 1, 8, 0, tzinfo=ZoneInfo("America/Argentina/Buenos_Aires")),
        run_after=None,
        interval=config.schedule.interval,
        run_date=None,
    )
    results_file = Path(work) / "extract-results.json"
    started = time.perf_counter()
    base = _peak_mib()
    if step == "extract":
        from alertas_rapidas.extract import extract_queries

        results = extract_queries(
            conn_id=DMS_CONN_ID,
            queries=dict(family.queries),
            params=family.sql_params(settings, run),
            out_dir=Path(work) / "extract",
            statement_timeout=config.statement_timeout,
        )
        results_file.write_text(json.dumps([r.to_dict() for r in results]))
        info = {"rows": {r.name: r.rows for r in results}}
    else:
        from alertas_rapidas.contracts.tasks import ExtractResult
        from alertas_rapidas.extract import chunked_frames, load_frames
        from alertas_rapidas.plan_files import PlanWriter

        results = [ExtractResult.from_dict(item) for item in json.loads(results_file.read_text())]
        transform = load_transform(family)
        writer = PlanWriter(Path(work) / ("plan-whole" if whole else "plan"), config.batch_size)
        pieces = (
            iter([load_frames(results)])
            if whole
            else chunked_frames(results, family.chunk_key, family.chunk_size)
        )
        for frames in pieces:
            writer.add(transform(frames, settings, run))
            del frames
        plan = writer.finish()
        info = {"messages": plan.messages, "batches": len(plan.batches)}
    return {
        "step": step + (" (whole, before slicing)" if whole else ""),
        "seconds": time.perf_counter() - started,
        "peak_mib": _peak_mib(),
        "peak_before_step_mib": base,
        **info,
    }


def measure(pg_dir: str, dags: str, whole: bool = False) -> list[dict[str, Any]]:
    """Extract, then transform (and the whole transform with `whole`), each in a child interpreter."""
    env = {
        **os.environ,
        "AIRFLOW_CONN_DMS_POSTGRES": _connection(pg_dir, "dms"),
        "AIRFLOW__CORE__DAGS_FOLDER": dags,
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR",
    }
    found = []
    with tempfile.TemporaryDirectory(prefix="alertas-step-memory-") as work:
        steps = [("extract", False), ("transform", False), *([("transform", True)] if whole else [])]
        for step, is_whole in steps:
            command = [sys.executable, "-m", "alertas_dev.bench.step_memory", "--child", step, "--dags", dags]
            command += ["--work", work, *(["--whole"] if is_whole else [])]
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise RuntimeError(f"{step} failed:\n{done.stderr[-3000:]}")
            found.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m alertas_dev.bench.step_memory", description=__doc__)
    parser.add_argument("--pg", help="data folder of the embedded PostgreSQL holding database dms")
    parser.add_argument("--dags", required=True, help="DAGs folder with families/customer_statements.yaml")
    parser.add_argument("--whole", action="store_true", help="also the transform on whole extracts")
    parser.add_argument("--child", choices=("extract", "transform"), help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_step(args.child, args.dags, args.work, args.whole)))
        return 0
    print(json.dumps(measure(args.pg, args.dags, args.whole)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
