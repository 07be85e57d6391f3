"""`python -m alertas_dev.bench.limits`: what sending limits cost, and how well one is held.

The deliver step alone (`delivery.deliver_with_ledger`: ledger claim, SMTP transaction, outcome)
sends the same N small messages to a local SMTP sink, each measurement in a worker process of its
own, on one embedded PostgreSQL:

- **baseline**: the delivery code from before sending limits (`--baseline`, a git revision: its
  `delivery.py`, loaded from git), with no limit;
- **current, no limit**: today's code with no `sending_limits`: what every connection without
  limits runs;
- **current, R/s**: today's code with `{"per_second": R}`.

The first two alternate `--rounds` times (medians reported), so that a machine shared with other
work weighs on both alike. The limit's rate is measured from the sink's receive times: messages /
(last - first + 1 s), since under "R a second" the first R may go at once and each later R a
second after, so a run held exactly at R measures R; and the busiest second (every window of one
second, not only aligned ones). The section it writes in docs/benchmarks.md is kept when
`python -m alertas_dev.bench` rewrites the file.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alertas_dev.bench.settings import PROJECT_ROOT

START = "<!-- sending-limits: start (python -m alertas_dev.bench.limits) -->"
END = "<!-- sending-limits: end -->"
BASELINE = "d0693fe"  # the last commit before sending limits (issue 24)

WORKER = r"""
import json, resource, sys, time, types
from datetime import date
from pathlib import Path
mode, entries_file, family = sys.argv[1], sys.argv[2], sys.argv[3]
entries = json.loads(Path(entries_file).read_text())
for entry in entries:  # every measurement its own messages (ledger keys)
    entry["key"] = f"{family}-{entry['key']}"
from alertas_rapidas.ledger import deliveries as ledger
if mode == "baseline":
    module = types.ModuleType("alertas_rapidas.delivery_baseline")
    exec(compile(Path(sys.argv[4]).read_text(), "delivery_baseline.py", "exec"), module.__dict__)
    extra = {}
else:
    from alertas_rapidas.delivery import loop as module
    from alertas_rapidas.delivery.outbox import Outbox
    from alertas_rapidas.delivery.sending_limits import SendingLimits
    extra = {"limits": SendingLimits.model_validate(json.loads(sys.argv[4]))}
claimant = module.Claimant("alert_bench", f"bench_{family}", "deliver", 0, 1)
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
started, cpu_started = time.perf_counter(), cpu()
batch = {"entries": entries} if mode == "baseline" else {"outbox": Outbox.of_files(entries)}
counts = module.deliver_with_ledger(
    family=family, **batch, run_date=date(2026, 11, 1), claimant=claimant,
    policy_=ledger.ClaimPolicy(), smtp_conn_id="smtp_default", alerts_conn_id="alerts_postgres", **extra,
)
print(json.dumps({"seconds": time.perf_counter() - started, "cpu": cpu() - cpu_started,
                  "sent": counts.get("sent", 0)}))
"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m alertas_dev.bench.limits", description=__doc__)
    parser.add_argument("--messages", type=int, default=2000, help="messages per measurement (2000)")
    parser.add_argument(
        "--rate", type=int, default=14, help="the per-second limit measured (14: Amazon SES's default rate)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="baseline/current pairs, alternated (3)")
    parser.add_argument("--baseline", default=BASELINE, help=f"git revision of the baseline ({BASELINE})")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / ".bench-limits", help="work folder")
    parser.add_argument("--docs", type=Path, default=PROJECT_ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--no-docs", action="store_true", help="print the section, write no file")
    return parser.parse_args(argv)


def write_messages(folder: Path, count: int) -> list[dict[str, Any]]:
    """`count` small, well-formed messages (.eml) and their manifest entries."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    body = "Estimado cliente: adjuntamos el resumen de su cuenta.\r\n" * 20
    for n in range(count):
        key = f"{n:064x}"
        message_id = f"<{key[:40]}@alertas-rapidas>"
        eml = folder / f"{key}.eml"
        eml.write_bytes(
            (
                "From: Autosur S.A. <alertas@autosur.example.com>\r\n"
                f"To: cliente{n}@example.com\r\nSubject: Resumen de cuenta {n}\r\n"
                "Date: Sun, 01 Nov 2026 08:00:00 -0300\r\n"
                f"Message-ID: {message_id}\r\nAuto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\n"
                "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body
            ).encode()
        )
        entries.append(
            {
                "key": key,
                "recipient_ref": f"customer:{n}",
                "business_key": "statement:2026-10",
                "message_id": message_id,
                "envelope": [f"cliente{n}@example.com"],
                "eml": str(eml),
            }
        )
    return entries


def busiest_second(times: list[float]) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def measure(sink: Any, env: dict[str, str], args: list[str]) -> dict[str, Any]:
    """One worker process; the rate seen by the sink and by the worker."""
    sink.store.clear()
    done = subprocess.run(
        [sys.executable, "-c", WORKER, *args], env=env, capture_output=True, text=True, timeout=3600
    )
    if done.returncode != 0:
        raise RuntimeError(f"worker {args[0]} failed: {done.stderr.strip().splitlines()[-1:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    times = sorted(m.received_at for m in sink.store.messages)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    return {
        **result,
        "received": len(times),
        "rate": len(times) / result["seconds"],  # what the deliver step did, start to end
        "cpu_ms": 1000 * result["cpu"] / max(len(times), 1),  # the worker's own CPU per message
        # held at R a second: the first R at once, each later R a second after (see the docstring)
        "receive_rate": len(times) / (span + 1.0) if times else 0.0,
        "busiest_second": busiest_second(times),
    }


def run(options: argparse.Namespace) -> dict[str, Any]:
    from alertas_dev.bench.measure import load_average, machine
    from alertas_dev.demo.local_postgres import LocalPostgres
    from alertas_dev.demo.mail_sink import MailSink

    shutil.rmtree(options.out, ignore_errors=True)
    options.out.mkdir(parents=True)
    baseline_file = options.out / "delivery_baseline.py"
    shown = subprocess.run(
        ["git", "show", f"{options.baseline}:plugins/alertas_rapidas/delivery/loop.py"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    if shown.returncode != 0:
        raise SystemExit(f"the baseline {options.baseline!r} is not in this repository's history (git show)")
    baseline_file.write_text(shown.stdout)
    entries_file = options.out / "entries.json"
    entries_file.write_text(json.dumps(write_messages(options.out / "outbox", options.messages)))
    load_before = load_average()
    server = LocalPostgres(options.out / "pg").start()
    try:
        server.create_database("alerts", drop=True)
        with MailSink() as sink:
            env = {
                **{k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "ALERTAS_"))},
                "AIRFLOW_HOME": tempfile.mkdtemp(prefix="bench-limits-airflow-"),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW_CONN_ALERTS_POSTGRES": server.connection_json("alerts"),
                "AIRFLOW_CONN_SMTP_DEFAULT": sink.connection_json(),
                "PYTHONPATH": os.pathsep.join(str(PROJECT_ROOT / p) for p in ("plugins", "tools")),
            }
            measure(sink, env, ["current", str(entries_file), "warm_up", "{}"])  # the schema, caches
            baseline, current, messages = [], [], str(entries_file)
            for n in range(options.rounds):
                baseline.append(measure(sink, env, ["baseline", messages, f"b{n}", str(baseline_file)]))
                current.append(measure(sink, env, ["current", messages, f"c{n}", "{}"]))
            limited = measure(
                sink, env, ["current", str(entries_file), "limited", json.dumps({"per_second": options.rate})]
            )
    finally:
        server.stop()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "load": (load_before, load_average()),
        "messages": options.messages,
        "rate": options.rate,
        "baseline_rev": options.baseline,
        "baseline": baseline,
        "current": current,
        "limited": limited,
    }


def section(facts: dict[str, Any]) -> list[str]:
    def median(name: str, measure: str) -> float:
        return statistics.median(m[measure] for m in facts[name])

    def runs(name: str, measure: str, digits: int) -> str:
        return ", ".join(f"{m[measure]:.{digits}f}" for m in facts[name])

    base, now = median("baseline", "rate"), median("current", "rate")
    cpu_base, cpu_now = median("baseline", "cpu_ms"), median("current", "cpu_ms")
    cpu_noise = _noise(facts, "cpu_ms")
    cpu_change = cpu_now / cpu_base - 1
    limited, rate = facts["limited"], facts["rate"]
    held = abs(limited["receive_rate"] - rate) / rate
    machine, rev = facts["machine"], facts["baseline_rev"]
    return [
        START,
        "## Sending limits: what they cost, and how well one is held",
        "",
        f"Written by `make bench` (`python -m alertas_dev.bench.limits`): {facts['date']}; {machine['cpu']}, "
        f"{machine['cores']} cores; load average before / after: {facts['load'][0]} / {facts['load'][1]}. "
        f"The deliver step alone (ledger claim, SMTP, outcome) sends {facts['messages']:,} small messages "
        "to a local SMTP sink, each measurement in a worker process of its own; baseline and current "
        f"alternate {len(facts['baseline'])} times (medians; every run after the slash or in brackets).",
        "",
        "| sending limits | value | target |  |",
        "| --- | --- | --- | --- |",
        f"| worker CPU per message, no limit: before sending limits (`{rev}`) / now | "
        f"{cpu_base:.2f} / {cpu_now:.2f} ms ({cpu_change:+.1%}; runs {runs('baseline', 'cpu_ms', 2)} / "
        f"{runs('current', 'cpu_ms', 2)}) | unchanged within noise ({cpu_noise:.0%}) | "
        + ("met" if abs(cpu_change) <= cpu_noise else "NOT met")
        + " |",
        f"| messages/s, no limit (wall clock, on a shared machine): before / now | {base:.0f} / {now:.0f} "
        f"(runs {runs('baseline', 'rate', 0)} / {runs('current', 'rate', 0)}) |  |  |",
        f"| messages/s with `per_second: {rate}` (receive times: messages / (last - first + 1 s)) | "
        f"{limited['receive_rate']:.1f} ({held:.1%} from {rate}); {limited['received']:,} received | "
        f"within 5 % of {rate} | " + ("met" if held <= 0.05 else "NOT met") + " |",
        f"| busiest second of the server's receive times with `per_second: {rate}` | "
        f"{limited['busiest_second']} | <= {rate} | "
        + ("met" if limited["busiest_second"] <= rate else "NOT met")
        + " |",
        "",
        "The cost without a limit is judged on the worker's own CPU time per message: wall-clock rates "
        "on a machine shared with other work vary far more. Noise is the spread of the runs themselves "
        "(the larger of the two relative ranges, at least 5 %). Without limits a deliver task asks the "
        "ledger once whether the connection is in a slow-down back-off, then sends as before; with "
        "limits it reserves up to 20 send slots per round trip and hands them back with their times.",
        END,
    ]


def _noise(facts: dict[str, Any], measure: str) -> float:
    def spread(runs: list[dict[str, Any]]) -> float:
        values = [m[measure] for m in runs]
        return (max(values) - min(values)) / statistics.median(values)

    return max(spread(facts["baseline"]), spread(facts["current"]), 0.05)


def write_section(path: Path, lines: list[str]) -> None:
    """Put the section in `path`, replacing the one there (the rest of the file is untouched)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    block = "\n".join(lines)
    if START in text and END in text:
        before, rest = text.split(START, 1)
        text = before + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


def kept_section(path: Path) -> str | None:
    """The section as `path` holds it now (the main benchmark keeps it when it rewrites the file)."""
    if not path.exists():
        return None
    text = path.read_text(encoding="utf-8")
    if START not in text or END not in text:
        return None
    return START + text.split(START, 1)[1].split(END, 1)[0] + END


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    started = time.monotonic()
    facts = run(options)
    (options.out / "facts.json").write_text(json.dumps(facts, indent=2))
    lines = section(facts)
    print("\n".join(lines))
    if not options.no_docs:
        write_section(options.docs, lines)
        print(f"written to {options.docs} ({time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
