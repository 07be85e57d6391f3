"""`python -m alertas_dev.bench`: measure the statements family at scale (see the package doc).

Everything runs on this machine: an embedded PostgreSQL (pgserver) holds the DMS, the ledger and
Airflow's metadata database; the package's `MailSink` receives the mail. Options make a quick
smoke run, e.g. `--customers 200 --months 2 --workers 0 --no-docs`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from alertas_dev.bench import measure
from alertas_dev.bench.pipeline import (
    family_parts,
    logical_date,
    raw_items,
    run_pipeline,
    time_extract,
    warm_up,
)
from alertas_dev.bench.report import build_report, write_docs
from alertas_dev.bench.settings import CATALOGUE_SIZE, DAG_ID, PROJECT_ROOT, RUN_DATE
from alertas_dev.bench.setup import (
    load_dms,
    migrate_airflow_db,
    prepare_environment,
    start_api_server,
    start_postgres,
    write_bench_dags,
)


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
    parser.add_argument(
        "--allow-busy",
        action="store_true",
        help="write the report even when the machine was not quiet (it says so at the top)",
    )
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
    foreign = measure.ForeignCpuSampler(marker=str(out))
    foreign.__enter__()
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
        step("Timing the branding of a statement PDF (logo and letterhead against none)")
        facts["branding"] = measure.branding_cost()
        print(f"    {facts['branding']['ratio']:.3f} x", flush=True)
    finally:
        foreign.__exit__(None, None, None)
        cores = facts["machine"]["cores"]
        facts["foreign"] = {"quiet": foreign.quiet(cores), "describe": foreign.describe(cores)}
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
    from alertas_dev.bench.report import is_quiet

    if not args.no_docs and is_quiet(facts) is False and not args.allow_busy:
        print(f"\nNot written to {args.docs}: the machine was not quiet (--allow-busy writes it, marked)")
    elif not args.no_docs:
        write_docs(Path(args.docs), lines, facts.get("command"))
        print(f"\nWritten to {args.docs}")
    failed = [run for run in facts["runs"] if run["state"] != "success" or run["received"] != run["messages"]]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
