"""The benchmark report (docs/benchmarks.md): tables, verdicts against the targets, CPU budget."""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path
from typing import Any

from alertas_dev.bench.method import METHOD
from alertas_dev.bench.settings import STATEMENT_MONTH, TARGETS


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
            # The target: what the framework leaves of the job itself (render + mail + SMTP). The
            # render floor alone cannot be reached while the SMTP server and database share the cores.
            add(
                "pipeline / raw job floor (render + mail + SMTP, no framework) on as many processes",
                [f"{x:.2f}" if x is not None else "-" for x in job_ratios],
                ">= 0.9",
                [None if x is None else x >= TARGETS["pipeline_vs_raw"] for x in job_ratios],
            )
        ratios = []
        for r, rate in zip(runs, rates, strict=True):
            floor = raw.get(f"raw_{max(r['workers'], 1)}")
            ratios.append(rate / floor["per_second"] if floor else None)
        add(
            "pipeline / raw render floor on as many processes (no target: see Reading the figures)",
            [f"{x:.2f}" if x is not None else "-" for x in ratios],
        )
        for task in ("extract", "transform", "render", "deliver", "summarize"):
            peaks = [r["tasks"].get(task, {}).get("peak_kib", 0) / 1024 for r in runs]
            add(
                f"peak RSS of the {task} task"
                + (" (largest mapped instance)" if task in ("render", "deliver") else ""),
                [f"{p:.0f} MiB" if p else "-" for p in peaks],
                "<= 512 MiB",
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


def write_docs(path: Path, lines: list[str], command: str | None = None) -> None:
    """Write the report; the sending-limits section (`bench.limits`, a run of its own) is kept."""
    from alertas_dev.bench.limits import kept_section

    kept = kept_section(path)
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
            *(["", kept] if kept else []),
        ]
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
