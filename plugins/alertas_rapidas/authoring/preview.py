"""`preview`: what one family would send for a date, rendered to files; nothing is sent.

Extract from the DMS, transform and render exactly as the day's runs do, then write each message as
`NNN.eml`, its HTML body as `NNN.html` and its attachments as `NNN-<file name>`, with an
`index.html` listing the messages and the skipped candidates and `preview.json` (each message's
ledger key). A date stands for **every run the family's schedule makes that day** (24 for an
hourly family, each with its own window), or the runs between two times of that day, or one run
(`at`); a message two runs would both plan is shown once. No SMTP server is contacted.

Two modes. The authoring tool (`make preview`) works without the package's database: the ledger is
neither read nor written, so repeats show as first sends, and a recurring family's unsubscribe
links are signed with a placeholder. The Alertas page's preview (`as_run=True`) is what a run would
do: the transform gets the ledger's history and unsubscribes, the links are signed with the
secret a run uses (`link_secrets`; the same error when the Variable is too short), and the sender
is the SMTP connection's `from_email`.
"""

from __future__ import annotations

import difflib
import html
import json
import os
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from alertas_rapidas.config import FamilyConfig
from alertas_rapidas.file_names import safe_file_name
from alertas_rapidas.paths import FAMILIES_DIR
from alertas_rapidas.schedule.day_runs import day_instants, run_for, scheduled_instant
from alertas_rapidas.schedule.run_time import RunTime

PREVIEW_SENDER = "preview@alertas-rapidas.invalid"
PREVIEW_ROOT = Path(".preview")
PREVIEW_INFO = "preview.json"


class PreviewError(RuntimeError):
    """The preview cannot be made: unknown family, bad config, failing extract or render."""


def connection_json(dsn: str) -> str:
    """A libpq DSN or URI as an Airflow `postgres` connection in JSON form."""
    from psycopg.conninfo import conninfo_to_dict

    parts: dict[str, Any] = dict(conninfo_to_dict(dsn))
    connection: dict[str, Any] = {"conn_type": "postgres"}
    for source, target in (
        ("host", "host"),
        ("user", "login"),
        ("password", "password"),
        ("dbname", "schema"),
    ):
        if parts.get(source) is not None:
            connection[target] = str(parts.pop(source))
    if parts.get("port"):
        connection["port"] = int(str(parts.pop("port")).split(",")[0])
    if parts:
        connection["extra"] = {name: str(value) for name, value in parts.items()}
    return json.dumps(connection)


def _load(
    family_key: str, families_dir: Path, overrides: Sequence[Any] = ()
) -> tuple[FamilyConfig, Any, Any]:
    from alertas_rapidas.config import FamilyConfigError
    from alertas_rapidas.families.registry import family_keys, load_definition

    known = family_keys(families_dir)
    if family_key not in known:
        close = difflib.get_close_matches(family_key, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise PreviewError(f"unknown family {family_key!r}{hint}; known families: {', '.join(known)}")
    try:
        return load_definition(family_key, families_dir, overrides)
    except FamilyConfigError as exc:
        raise PreviewError(" ".join(line.strip() for line in str(exc).splitlines())) from None


def _overrides_at(family_key: str, at: datetime) -> list[Any]:
    """The overrides in force at a run's instant, from the package's database (as a run reads them)."""
    from alertas_rapidas.connections import ALERTS_CONN_ID
    from alertas_rapidas.ledger import overrides as override_store
    from alertas_rapidas.ledger.deliveries import ledger_connection

    with ledger_connection(ALERTS_CONN_ID) as conn:
        _version, changes = override_store.in_force(conn, family_key, at)
    return [found for change in changes if (found := change.override()) is not None]


@dataclass
class DayPlan:
    """What the chosen runs of a day would plan: their run times and one merged plan, each message
    once (by its ledger key, in the order the runs would send them)."""

    config: FamilyConfig
    family: Any
    runs: list[RunTime]
    plan: Any  # messages.Plan
    keys: list[str] = field(default_factory=list)  # the ledger key of each message of `plan`

    @property
    def span(self) -> RunTime:
        """One run time spanning the chosen runs: the first window's start to the last run's T."""
        first, last = self.runs[0], self.runs[-1]
        return RunTime(
            timezone=last.timezone, at=last.at, window_start=first.window_start, window_end=last.window_end
        )


def plan_day(
    family_key: str,
    day: date,
    *,
    at: datetime | time | None = None,
    start: time | None = None,
    end: time | None = None,
    as_run: bool = False,
    overrides: Sequence[Any] | None = None,
    families_dir: Path = FAMILIES_DIR,
) -> DayPlan:
    """Extract and transform every chosen run of `day` (see the module's doc); raise PreviewError.
    `at` is one run: an instant, or a local time of day on `day` (08:00, as `make demo` runs).

    `overrides` (the settings page's proposal) replace those in the package's database; without
    them, the page's preview (`as_run`) applies the overrides in force at the day's last run, as
    that run would (the authoring tool has no database and uses the family file alone)."""
    from alertas_rapidas.contracts.plan import Plan, idempotency_key
    from alertas_rapidas.families import load_transform

    config, settings, family = _load(family_key, families_dir)
    zone = ZoneInfo(config.timezone)
    if isinstance(at, time):  # a local time of day on `day`
        at = datetime.combine(day, at, tzinfo=zone)
    if at is not None and at.astimezone(zone).date() != day:
        raise PreviewError(
            f"--at {at.isoformat()} falls on {at.astimezone(zone).date()} in {config.timezone}, "
            f"not on --date {day}"
        )
    if overrides is None and as_run:
        last = at or (day_instants(config, day, start, end) or [scheduled_instant(config, day)])[-1]
        overrides = _overrides_at(family_key, last)
    if overrides:
        config, settings, family = _load(family_key, families_dir, overrides)
    instants = [at] if at is not None else day_instants(config, day, start, end)
    if not instants:
        raise PreviewError(f"{family_key} has no run on {day} between {start} and {end}")
    transform = load_transform(family)
    extra: dict[str, Any] = {}
    unsubscribed: set[str] = set()
    if as_run:
        from alertas_rapidas.steps import sent_history
        from alertas_rapidas.unsubscribes import unsubscribed_for

        extra = {"history": sent_history(config)} if family.reads_history else {}
        unsubscribed = unsubscribed_for(config)
    merged = Plan(candidates=0)
    keys: list[str] = []
    seen: set[str] = set()
    runs = []
    for instant in instants:
        run = run_for(config, instant)
        runs.append(run)
        plan = _plan_one(config, settings, family, run, transform, extra, unsubscribed)
        merged.candidates += plan.candidates
        for reason, rows in plan.held.items():
            merged.hold(reason, rows)
        for message in plan.messages:
            key = idempotency_key(config.key, message.recipient_ref, message.business_key)
            if key not in seen:
                seen.add(key)
                keys.append(key)
                merged.messages.append(message)
        merged.skipped.extend(plan.skipped)
    return DayPlan(config=config, family=family, runs=runs, plan=merged, keys=keys)


def _plan_one(
    config: FamilyConfig,
    settings: Any,
    family: Any,
    run: RunTime,
    transform: Any,
    extra: dict[str, Any],
    unsubscribed: set[str],
) -> Any:
    """One run's plan: extract into a temporary folder, transform (as `steps.transform_step`)."""
    from alertas_rapidas.connections import DMS_CONN_ID
    from alertas_rapidas.extract import extract_queries, load_frames
    from alertas_rapidas.recipients import allowing_special_domains
    from alertas_rapidas.unsubscribes import skip_unsubscribed

    with tempfile.TemporaryDirectory(prefix="alertas-preview-") as work:
        try:
            results = extract_queries(
                conn_id=DMS_CONN_ID,
                queries=dict(family.queries),
                params=family.sql_params(settings, run),
                out_dir=Path(work),
                statement_timeout=config.statement_timeout,
                connections=dict(family.connections),
                parents=dict(family.parents),
                lookups=family.lookups,
            )
        except Exception as exc:  # the driver's message names the query's problem, never rows
            first = (str(exc).strip() or type(exc).__name__).splitlines()[0]
            raise PreviewError(f"extract of {config.key} failed: {first}") from None
        frames = load_frames(results)
        with allowing_special_domains(config.allowed_special_domains):
            return skip_unsubscribed(transform(frames, settings, run, **extra), unsubscribed)


def preview(
    family_key: str,
    day: date,
    *,
    at: datetime | time | None = None,
    out: Path | None = None,
    dsn: str | None = None,
    alerts_dsn: str | None = None,
    families_dir: Path = FAMILIES_DIR,
    warnings: list[str] | None = None,
) -> str:
    """Render what `family_key` would send for `day` (every run of it, or the run at `at`) into
    `out`, as the authoring tool does (no ledger); the summary line. What is worth a look but not
    wrong (a body table wider than the mail) is added to `warnings`."""
    from alertas_rapidas.connections import ALERTS_CONN_ID

    out = out or PREVIEW_ROOT / family_key / day.isoformat()
    if dsn:
        os.environ["AIRFLOW_CONN_DMS_POSTGRES"] = connection_json(dsn)
    if alerts_dsn:
        _, _, family = _load(family_key, families_dir)
        if ALERTS_CONN_ID in family.connections.values():
            os.environ["AIRFLOW_CONN_ALERTS_POSTGRES"] = connection_json(alerts_dsn)
    day_plan = plan_day(family_key, day, at=at, families_dir=families_dir)
    found = table_width_warnings(day_plan.config, day_plan.family, day_plan.plan)
    if warnings is not None:
        warnings += found
    written = write_preview(
        day_plan, out, sender=PREVIEW_SENDER, links=_placeholder_links(day_plan.config), warnings=found
    )
    return summary_line(day_plan, written) + f" -> {out}; nothing sent, ledger untouched"


def summary_line(day_plan: DayPlan, written: int) -> str:
    """ "3 messages, 3 skipped (inactive 1, ...)", with the runs when more than one."""
    skipped = Counter(item.reason for item in day_plan.plan.skipped)
    reasons = ", ".join(f"{reason} {count}" for reason, count in sorted(skipped.items()))
    line = (
        f"{written} message{'' if written == 1 else 's'}, {len(day_plan.plan.skipped)} skipped"
        f"{f' ({reasons})' if reasons else ''}"
    )
    if len(day_plan.runs) > 1:
        first, last = day_plan.runs[0].at, day_plan.runs[-1].at
        line += f" from {len(day_plan.runs)} runs ({first:%H:%M} to {last:%H:%M})"
    return line


def _placeholder_links(config: FamilyConfig) -> Any:
    """The authoring tool's List-Unsubscribe links: a recurring family's links as a run makes them,
    signed with a placeholder (an author's machine has no ledger, where the package keeps its
    secret), so the preview still shows the headers and the link. The page's preview signs them
    as a run does (`run_links`)."""
    from alertas_rapidas.unsubscribes import UnsubscribeLinks

    if not config.recurring:
        return None
    mailto = str(config.unsubscribe.mailto) if config.unsubscribe.mailto else None
    return UnsubscribeLinks(config.key, "preview-only-not-a-secret", config.unsubscribe.url, mailto)


def run_links(config: FamilyConfig) -> Any:
    """The links a run signs (`unsubscribes.links_for`): the same secret, the same failure when
    the Variable is set but unusable (PreviewError with its message)."""
    from alertas_rapidas.task_errors import ConfigurationError
    from alertas_rapidas.templating import RenderError
    from alertas_rapidas.unsubscribes import links_for

    try:
        return links_for(config)
    except (ConfigurationError, RenderError) as exc:
        raise PreviewError(f"the run would fail: {exc}") from None


def renderer_for(day_plan: DayPlan, *, sender: str, links: Any) -> Any:
    from alertas_rapidas.rendering import MessageRenderer

    return MessageRenderer.for_family(day_plan.config, day_plan.family, sender=sender, unsubscribe=links)


def render_message(day_plan: DayPlan, renderer: Any, index: int) -> Any:
    """Message `index` (0-based) of the plan as its e-mail; PreviewError when it fails to render."""
    from alertas_rapidas.contracts.plan import message_id_for
    from alertas_rapidas.templating import RenderError

    message = day_plan.plan.messages[index]
    try:
        return renderer.render(message, message_id=message_id_for(day_plan.keys[index]))
    except RenderError as exc:
        raise PreviewError(
            f"message {index + 1:03d} ({message.business_key}) failed to render: {exc}"
        ) from None


def table_width_warnings(config: FamilyConfig, family: Any, plan: Any) -> list[str]:
    """One line per body table that some message draws wider than the mail (the widest one)."""
    from alertas_rapidas.authoring.table_width import rendered
    from alertas_rapidas.authoring.template_checks import body_tables

    widest: dict[str, Any] = {}
    for name in body_tables(family):
        for message in plan.messages:
            context = message.context or {}
            table = context.get("table") if name == "table" else (context.get("tables") or {}).get(name[7:])
            if not table or not table.get("columns"):
                continue
            shown = (context.get("top") if name == "table" and "top" in context else table.get("rows")) or []
            width = rendered(name, table, shown, message.language)
            if width.too_wide and width.width > getattr(widest.get(name), "width", 0):
                widest[name] = width
    return [f"{config.key}: {width.warning('the cells of this preview')}" for width in widest.values()]


def write_preview(
    day_plan: DayPlan, out: Path, *, sender: str, links: Any, warnings: Sequence[str] = ()
) -> int:
    """Render every message of the plan into `out`, with `index.html` and `preview.json`; the
    number written."""
    config, plan = day_plan.config, day_plan.plan
    out.mkdir(parents=True, exist_ok=True)
    numbered = [*out.glob("[0-9][0-9][0-9].*"), *out.glob("[0-9][0-9][0-9]-*")]
    for old in [out / "index.html", out / PREVIEW_INFO, *numbered]:
        if old.is_file():
            old.unlink()  # an earlier preview's files, so that none is mistaken for this one's
    renderer = renderer_for(day_plan, sender=sender, links=links)
    entries = []
    for number, message in enumerate(plan.messages, start=1):
        stem = f"{number:03d}"
        mail = render_message(day_plan, renderer, number - 1)
        (out / f"{stem}.eml").write_bytes(bytes(mail))
        body = mail.get_body(("html",))
        (out / f"{stem}.html").write_text(body.get_content() if body else "", encoding="utf-8")
        files = []
        for part in mail.iter_attachments():
            name = f"{stem}-{safe_file_name(part.get_filename() or 'attachment', separator='_')}"
            (out / name).write_bytes(part.get_payload(decode=True) or b"")
            files.append(name)
        entries.append(
            {
                "number": stem,
                "to": list(message.to),
                "cc": [*message.cc, *config.cc],
                "bcc": [*message.bcc, *config.bcc],
                "language": message.language,
                "subject": str(mail["Subject"]),
                "ref": message.recipient_ref,
                "key": message.business_key,
                "attachments": files,
            }
        )
    (out / "index.html").write_text(
        index_html(config, day_plan.span, entries, plan.skipped, warnings), encoding="utf-8"
    )
    info = {
        "family": config.key,
        "runs": [run.at.isoformat() for run in day_plan.runs],
        "messages": [entry | {"ledger_key": key} for entry, key in zip(entries, day_plan.keys, strict=True)],
        "skipped": dict(sorted(Counter(item.reason for item in plan.skipped).items())),
        "held": dict(sorted(plan.held.items())),
        "candidates": plan.candidates,
    }
    (out / PREVIEW_INFO).write_text(json.dumps(info), encoding="utf-8")
    return len(entries)


def index_html(
    config: FamilyConfig,
    run: RunTime,
    entries: list[dict[str, Any]],
    skipped: list[Any],
    warnings: Sequence[str] = (),
) -> str:
    """The preview's index: warnings, every message and every skipped candidate, all text escaped."""
    from alertas_rapidas.contracts.plan import SKIP_REASONS

    e = html.escape

    def link(name: str, label: str) -> str:
        return f'<a href="{e(name)}">{e(label)}</a>'

    rows = []
    for entry in entries:
        links = [link(f"{entry['number']}.html", "body"), link(f"{entry['number']}.eml", "eml")]
        links += [link(name, name.split("-", 1)[1]) for name in entry["attachments"]]
        copies = ", ".join(entry["cc"])
        if entry["bcc"]:
            copies += f"{'; ' if copies else ''}Bcc: {', '.join(entry['bcc'])}"
        rows.append(
            "<tr>"
            f"<td>{e(entry['number'])}</td><td>{e(', '.join(entry['to']))}</td><td>{e(copies)}</td>"
            f"<td>{e(entry['language'])}</td><td>{e(entry['subject'])}</td>"
            f"<td>{e(entry['ref'])}<br>{e(entry['key'])}</td><td>{' | '.join(links)}</td>"
            "</tr>"
        )
    skips = [
        "<tr>"
        f"<td>{e(item.recipient_ref)}</td><td>{e(item.business_key)}</td><td>{e(item.reason)}</td>"
        f"<td>{e(SKIP_REASONS.get(item.reason, ''))}</td>"
        "</tr>"
        for item in skipped
    ]

    notes = "".join(f'<p class="note warning">Warning: {e(line)}</p>\n' for line in warnings)

    def none(columns: int) -> str:
        return f'<tr><td colspan="{columns}">none</td></tr>'

    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Preview: {e(config.key)} {e(run.run_date.isoformat())}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; margin-bottom: 2em; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }}
.note {{ background: #fff6d5; padding: 8px; border: 1px solid #e0c060; }}
</style></head><body>
<h1>Preview: {e(config.title)}</h1>
<p>Family <code>{e(config.key)}</code>, run date {e(run.run_date.isoformat())}, run instant
{e(run.at.isoformat())}, window {e(run.window_start.isoformat())} to {e(run.window_end.isoformat())}
({e(run.timezone)}).</p>
<p class="note">Preview only: nothing was sent and the ledger was neither read nor written. Without
the ledger's history, repeats are shown as first sends, and messages already sent are shown again.</p>
{notes}<h2 id="messages">Messages ({len(entries)})</h2>
<table><thead><tr><th>#</th><th>To</th><th>Cc</th><th>Language</th><th>Subject</th><th>Ledger key</th>
<th>Files</th></tr></thead>
<tbody>
{chr(10).join(rows) or none(7)}
</tbody></table>
<h2 id="skipped">Skipped ({len(skipped)})</h2>
<table><thead><tr><th>Recipient</th><th>Business key</th><th>Reason</th><th>Meaning</th></tr></thead>
<tbody>
{chr(10).join(skips) or none(4)}
</tbody></table>
</body></html>
"""
