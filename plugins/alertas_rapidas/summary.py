"""The run summary: candidates, sent, skipped by reason, failed; logged and stored per run."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from alertas_rapidas.config import FamilyConfig
from alertas_rapidas.connections import ALERTS_CONN_ID
from alertas_rapidas.run_context import RunOptions

DELIVERY_COUNTS = (
    "sent",
    "already_sent",
    "failed",
    "deferred",
    "unknown",
    "refused_recipients",
    "redirected",
    "dry_run",
)


def build_summary(
    family: str,
    run_date: date,
    planned: dict[str, Any] | None,
    deliveries: list[dict[str, Any]],
    options: RunOptions,
    freshness: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Counts of one run. `held_back` lists the stale interfaces when the run waited in vain."""
    stale = [item for item in freshness or [] if not item["fresh"]] if not planned else []
    totals: Counter[str] = Counter()
    for result in deliveries:
        if result:
            totals.update({k: int(v) for k, v in result.items() if k in DELIVERY_COUNTS})
    planned = planned or {}
    summary = {
        "family": family,
        "run_date": run_date.isoformat(),
        "candidates": int(planned.get("candidates", 0)),
        "messages": int(planned.get("messages", 0)),
        "skipped": dict(sorted((planned.get("skipped") or {}).items())),
        **{name: totals.get(name, 0) for name in DELIVERY_COUNTS},
        "dry_run_mode": options.dry_run,
        "complete": bool(planned),
    }
    if stale:
        summary["held_back"] = stale
    return summary


def format_summary(summary: dict[str, Any]) -> list[str]:
    skipped = summary["skipped"]
    skipped_text = ", ".join(f"{reason} {count}" for reason, count in skipped.items()) or "none"
    lines = [
        f"Run summary of {summary['family']} for {summary['run_date']}"
        + (" (DRY RUN: nothing sent)" if summary["dry_run_mode"] else ""),
        *[
            f"  HELD BACK: interface {item['interface']} is stale (last success "
            f"{item['last_success'] or 'never'}, limit {item['max_age_hours']} h): nothing was sent"
            for item in summary.get("held_back", [])
        ],
        f"  candidates      {summary['candidates']}",
        f"  messages        {summary['messages']}",
        f"  sent            {summary['sent']}",
        f"  already sent    {summary['already_sent']}",
        f"  skipped         {sum(skipped.values())} ({skipped_text})",
        f"  failed          {summary['failed']}",
        f"  deferred        {summary['deferred']}",
        f"  unknown         {summary['unknown']}",
    ]
    if summary["refused_recipients"]:
        lines.append(f"  refused recipients {summary['refused_recipients']}")
    if summary["dry_run"]:
        lines.append(f"  rendered (dry run) {summary['dry_run']}")
    if summary["redirected"]:
        lines.append(f"  redirected      {summary['redirected']}")
    return lines


def record_summary(
    config: FamilyConfig,
    planned: dict[str, Any] | None,
    summary: dict[str, Any],
    options: RunOptions,
    context: Any,
) -> None:
    """Skipped candidates go to the ledger (not in a dry run); the summary to `alerts.runs`."""
    from alertas_rapidas import ledger
    from alertas_rapidas.messages import idempotency_key
    from alertas_rapidas.plan_io import read_skipped

    dag_id, run_id = context["dag"].dag_id, context["run_id"]
    run_date = date.fromisoformat(summary["run_date"])
    with ledger.ledger_connection(ALERTS_CONN_ID) as conn:
        if planned and not options.dry_run and not options.redirect_to:
            skips = [
                (
                    idempotency_key(config.key, s.recipient_ref, s.business_key),
                    s.recipient_ref,
                    s.business_key,
                    s.reason,
                )
                for s in read_skipped(planned["skipped_path"])
            ]
            ledger.record_skips(
                conn, family=config.key, skips=skips, run_date=run_date, dag_id=dag_id, run_id=run_id
            )
        ledger.record_run(
            conn,
            dag_id=dag_id,
            run_id=run_id,
            family=config.key,
            run_date=run_date,
            logical_date=context.get("logical_date"),
            dry_run=options.dry_run,
            summary=summary,
        )
