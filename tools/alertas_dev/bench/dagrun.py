"""One benchmark run of the statements DAG, in its own interpreter (started by the benchmark).

Airflow reads `[core] parallelism` once, at import: a fresh process per worker count is how the
LocalExecutor gets 1 or 2 worker slots. Writes the run's task instances (times, states, ids) as
JSON to `--out`.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from datetime import datetime
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m alertas_dev.bench.dagrun")
    parser.add_argument("--dags", required=True)
    parser.add_argument("--dag-id", required=True)
    parser.add_argument("--logical-date", required=True)
    parser.add_argument("--workers", type=int, required=True, help="0: in-process, no executor")
    parser.add_argument("--out", required=True)
    parser.add_argument("--conf", default="{}", help="run parameters, as JSON (default none)")
    args = parser.parse_args(argv)

    from airflow.dag_processing.dagbag import DagBag
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    dag = DagBag(dag_folder=args.dags).get_dag(args.dag_id)
    started = time.perf_counter()
    run = dag.test(
        logical_date=datetime.fromisoformat(args.logical_date),
        use_executor=args.workers > 0,
        run_conf=json.loads(args.conf),
    )
    wall = time.perf_counter() - started
    with create_session() as session:
        rows = session.query(TaskInstance).filter(
            TaskInstance.dag_id == args.dag_id, TaskInstance.run_id == run.run_id
        )
        tasks = [
            {
                "id": str(ti.id),
                "task_id": ti.task_id,
                "map_index": ti.map_index,
                "state": str(ti.state),
                "duration": float(ti.duration or 0.0),
                "queued": ti.queued_dttm.timestamp() if ti.queued_dttm else None,
                "start": ti.start_date.timestamp() if ti.start_date else None,
                "end": ti.end_date.timestamp() if ti.end_date else None,
            }
            for ti in rows
        ]
    result = {
        "state": str(run.state),
        "wall": wall,
        "tasks": tasks,
        # ru_maxrss is in KiB on Linux: this process's own peak (all tasks, when run in-process).
        "process_peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }
    Path(args.out).write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
