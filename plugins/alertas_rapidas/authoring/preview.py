"""`preview`: what one family would send for a date, rendered to files; nothing is sent.

Extract from the DMS, transform and render exactly as a run does, then write each message as
`NNN.eml`, its HTML body as `NNN.html` and its attachments as `NNN-<file name>`, with an
`index.html` listing the messages and the skipped candidates. The ledger is neither read nor
written (no connection to the package's own database unless the family's queries read it), so
repeats cannot be known: every message is shown as a first send. No SMTP server is contacted.
"""

from __future__ import annotations

import difflib
import html
import json
import os
import tempfile
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from alertas_rapidas.config import FamilyConfig
from alertas_rapidas.paths import FAMILIES_DIR, safe_name
from alertas_rapidas.timing import RunTime

PREVIEW_SENDER = "preview@alertas-rapidas.invalid"
PREVIEW_ROOT = Path(".preview")


class PreviewError(RuntimeError):
    """The preview cannot be made: unknown family, bad config, failing extract or render."""


def scheduled_instant(config: FamilyConfig, day: date) -> datetime:
    """The family's last scheduled instant on `day`, in its time zone (a manual run for a date
    stands for it). When the cron does not fire that day, the day at the time of its last fire
    before it."""
    from croniter import croniter

    zone = ZoneInfo(config.timezone)
    day_start = datetime.combine(day, time(0), tzinfo=zone)
    next_day = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    fire = croniter(config.schedule.cron, next_day).get_prev(datetime).astimezone(zone)
    if fire < day_start:
        fire = datetime.combine(day, time(fire.hour, fire.minute), tzinfo=zone)
    return fire


def run_for(config: FamilyConfig, at: datetime) -> RunTime:
    """The run a scheduled run at `at` would have: its window from the interval or business days."""
    from alertas_rapidas.run_context import run_time_of

    return run_time_of(config, {"data_interval_end": at, "params": {}})


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


def _load(family_key: str, families_dir: Path) -> tuple[FamilyConfig, Any, Any]:
    from alertas_rapidas.authoring.validate import family_files
    from alertas_rapidas.config import FamilyConfigError, load_family_config
    from alertas_rapidas.engine.family import family_for

    known = [path.stem for path in family_files(families_dir)]
    if family_key not in known:
        close = difflib.get_close_matches(family_key, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise PreviewError(f"unknown family {family_key!r}{hint}; known families: {', '.join(known)}")
    try:
        config, settings = load_family_config(families_dir / f"{family_key}.yaml")
    except FamilyConfigError as exc:
        raise PreviewError(" ".join(line.strip() for line in str(exc).splitlines())) from None
    return config, settings, family_for(config)


def preview(
    family_key: str,
    day: date,
    *,
    at: datetime | None = None,
    out: Path | None = None,
    dsn: str | None = None,
    alerts_dsn: str | None = None,
    families_dir: Path = FAMILIES_DIR,
) -> str:
    """Render what `family_key` would send for `day` into `out`; the summary line."""
    from alertas_rapidas.connections import ALERTS_CONN_ID, DMS_CONN_ID
    from alertas_rapidas.extract import extract_queries, load_frames
    from alertas_rapidas.families import load_transform
    from alertas_rapidas.recipients import allowing_special_domains

    config, settings, family = _load(family_key, families_dir)
    at = at or scheduled_instant(config, day)
    if at.astimezone(ZoneInfo(config.timezone)).date() != day:
        raise PreviewError(
            f"--at {at.isoformat()} falls on {at.astimezone(ZoneInfo(config.timezone)).date()} in "
            f"{config.timezone}, not on --date {day}"
        )
    run = run_for(config, at)
    out = out or PREVIEW_ROOT / family_key / day.isoformat()

    if dsn:
        os.environ["AIRFLOW_CONN_DMS_POSTGRES"] = connection_json(dsn)
    if ALERTS_CONN_ID in family.connections.values() and alerts_dsn:
        os.environ["AIRFLOW_CONN_ALERTS_POSTGRES"] = connection_json(alerts_dsn)

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
            raise PreviewError(f"extract of {family_key} failed: {first}") from None
        frames = load_frames([result.to_dict() for result in results])
        with allowing_special_domains(config.allowed_special_domains):
            plan = load_transform(family)(frames, settings, run)

    written = write_preview(config, family, plan, run, out)
    skipped = Counter(item.reason for item in plan.skipped)
    reasons = ", ".join(f"{reason} {count}" for reason, count in sorted(skipped.items()))
    return (
        f"{written} message{'' if written == 1 else 's'}, {len(plan.skipped)} skipped"
        f"{f' ({reasons})' if reasons else ''} -> {out}; nothing sent, ledger untouched"
    )


def _preview_links(config: FamilyConfig) -> Any:
    """A recurring family's List-Unsubscribe links as a run makes them; without the secret (an
    author's machine) signed with a placeholder, so the preview still shows the headers and link."""
    from alertas_rapidas.rendering import RenderError
    from alertas_rapidas.unsubscribes import UnsubscribeLinks, links_for

    try:
        return links_for(config)
    except RenderError:
        mailto = str(config.unsubscribe.mailto) if config.unsubscribe.mailto else None
        return UnsubscribeLinks(config.key, "preview-only-not-a-secret", config.unsubscribe.url, mailto)


def write_preview(config: FamilyConfig, family: Any, plan: Any, run: RunTime, out: Path) -> int:
    """Render every message of the plan into `out`, with `index.html`; the number written."""
    from alertas_rapidas.messages import idempotency_key, message_id_for
    from alertas_rapidas.rendering import MessageRenderer, RenderError

    out.mkdir(parents=True, exist_ok=True)
    for old in [out / "index.html", *out.glob("[0-9][0-9][0-9].*"), *out.glob("[0-9][0-9][0-9]-*")]:
        if old.is_file():
            old.unlink()  # an earlier preview's files, so that none is mistaken for this one's
    renderer = MessageRenderer.for_family(
        config, family, sender=PREVIEW_SENDER, unsubscribe=_preview_links(config)
    )
    entries = []
    for number, message in enumerate(plan.messages, start=1):
        stem = f"{number:03d}"
        key = idempotency_key(config.key, message.recipient_ref, message.business_key)
        try:
            mail = renderer.render(message, message_id=message_id_for(key))
        except RenderError as exc:
            raise PreviewError(f"message {stem} ({message.business_key}) failed to render: {exc}") from None
        (out / f"{stem}.eml").write_bytes(bytes(mail))
        body = mail.get_body(("html",))
        (out / f"{stem}.html").write_text(body.get_content() if body else "", encoding="utf-8")
        files = []
        for part in mail.iter_attachments():
            name = f"{stem}-{safe_name(part.get_filename() or 'attachment')}"
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
    (out / "index.html").write_text(index_html(config, run, entries, plan.skipped), encoding="utf-8")
    return len(entries)


def index_html(config: FamilyConfig, run: RunTime, entries: list[dict[str, Any]], skipped: list[Any]) -> str:
    """The preview's index: every message and every skipped candidate, all text escaped."""
    from alertas_rapidas.messages import SKIP_REASONS

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
<h2 id="messages">Messages ({len(entries)})</h2>
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
