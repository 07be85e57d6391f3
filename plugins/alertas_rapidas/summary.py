"""The run summary: candidates, sent, skipped by reason, failed; logged, stored per run, shown."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from alertas_rapidas.config import FamilyConfig
from alertas_rapidas.connections import ALERTS_CONN_ID
from alertas_rapidas.contracts.tasks import DeliveryResult, PlanInfo
from alertas_rapidas.schedule.run_context import RunOptions, run_mode

if TYPE_CHECKING:
    from airflow.sdk import Context


class HeldBack(BaseModel):
    """A required interface that was still stale when the run gave up waiting (no personal data)."""

    model_config = ConfigDict(extra="ignore")

    interface: str
    fresh: bool = False
    last_success: str | None = None
    age_hours: float | None = None
    max_age_hours: float | None = None


class RunSummary(BaseModel):
    """What one run did, in counts: logged, stored in the run log (`ledger.runs`), shown by the UI and
    the failure notice.

    Stored (and handed over XCom) under its wire names, which every stored row shares: there
    `dry_run` is the number of messages a dry run rendered and left unsent (`rendered_unsent`
    here) and `dry_run_mode` says whether the run was a dry run (`is_dry_run` here). `read`
    takes any stored form: a key an older row lacks gets its default, an unknown key is ignored.
    """

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    family: str = ""
    run_date: date | None = None
    is_dry_run: bool = Field(False, alias="dry_run_mode")
    # every message went to the run's `redirect_to` test address (never stored here)
    is_redirected: bool = Field(False, alias="redirect_mode")
    complete: bool = False  # the plan was written (extract and transform finished)
    candidates: int = 0
    messages: int = 0
    skipped: dict[str, int] = Field(default_factory=dict)  # by reason
    # rows that qualify but got no message this run, by reason: the repeat rules (`repeat_done`,
    # `repeat_not_due`: messages.HOLD_REASONS) and the ledger (`unknown_before`, `failed_before`:
    # an earlier outcome that only a deliberate resend changes)
    held: dict[str, int] = Field(default_factory=dict)
    # what the deliver tasks report, summed over the batches (wire names)
    sent: int = 0
    already_sent: int = 0
    failed: int = 0
    deferred: int = 0
    unknown: int = 0
    stranded: int = 0  # left `sending` by a task that stopped; now `unknown` (recovery)
    # messages that waited in the ledger for a sending limit's window (the task deferred), the
    # latest moment they waited for (UTC, ISO 8601), and the server's slow-down replies
    waited: int = 0
    waited_until: str | None = None
    slowed_down: int = 0
    refused_recipients: int = 0
    redirected: int = 0
    rendered_unsent: int = Field(0, alias="dry_run")
    held_back: list[HeldBack] = Field(default_factory=list)
    muted: str | None = None  # the mute in force at the run's instant (who, since, until, why)
    # The run's instant T (ISO 8601) and its settings (docs/writing-alerts.md, "Tune an alert"): the
    # family's settings version in force at T, each setting's effective value with its source (`file`
    # or `override`), and the changes this run is the first to apply (addresses masked).
    at: str | None = None
    settings_version: int = 0
    settings: list[dict[str, Any]] = Field(default_factory=list)
    changes: list[str] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)

    @classmethod
    def read(cls, stored: RunSummary | Mapping[str, Any] | None) -> RunSummary:
        """A summary from its stored or XCom form (any version), or itself."""
        if isinstance(stored, RunSummary):
            return stored
        return cls.model_validate(dict(stored or {}))

    def to_stored(self) -> dict[str, Any]:
        """The JSON form, under the wire names (`held_back` and `muted` only when they apply)."""
        data = self.model_dump(mode="json", by_alias=True)
        if not self.held_back:
            del data["held_back"]
        if not self.muted:
            del data["muted"]
        if not self.waited_until:
            del data["waited_until"]
        for name in ("at", "settings_version", "settings", "changes"):  # only when they say something
            if not data[name]:
                del data[name]
        return data

    def count(self, name: str) -> int:
        """A count by its wire name (`sent`, `dry_run`, ...); 0 for a name that is no count."""
        field = WIRE_NAMES.get(name, name)
        value = getattr(self, field, 0) if field in COUNT_FIELDS else 0
        return int(value)

    @property
    def mode(self) -> str:
        """`dry run`, `redirected` or `normal` (a row from before `redirect_mode`: by its count)."""
        return run_mode(dry_run=self.is_dry_run, redirected=self.is_redirected or self.redirected > 0)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    @property
    def held_total(self) -> int:
        return sum(self.held.values())


WIRE_NAMES = {
    (info.alias or name): name for name, info in RunSummary.model_fields.items()
}  # wire name -> field
COUNT_FIELDS = frozenset(
    name
    for name, info in RunSummary.model_fields.items()
    if info.annotation is int and name != "settings_version"
)
# A deliver task's `held_<state>` counts: messages the ledger holds in a state a run leaves alone.
LEDGER_HOLDS = {
    "held_unknown": "unknown_before",
    "held_failed": "failed_before",
    "held_bounced": "bounced_before",  # sent before, and a hard bounce came back
}
# The counts a deliver task reports (under their wire names), summed over the batches.
DELIVERY_COUNTS = tuple(
    wire
    for wire, name in WIRE_NAMES.items()
    if name in COUNT_FIELDS and name not in ("candidates", "messages")
)


def build_summary(
    family: str,
    run_date: date,
    planned: PlanInfo | None,
    deliveries: Sequence[DeliveryResult],
    options: RunOptions,
    freshness: list[dict[str, Any]] | None = None,
) -> RunSummary:
    """Counts of one run. `held_back` lists the stale interfaces when the run waited in vain."""
    stale = [item for item in freshness or [] if not item["fresh"]] if not planned else []
    totals: Counter[str] = Counter()
    held: Counter[str] = Counter()
    waited_until: str | None = None
    for result in deliveries:
        if result:
            totals.update({k: int(v) for k, v in result.items() if k in DELIVERY_COUNTS})
            held.update({LEDGER_HOLDS[k]: int(v) for k, v in result.items() if k in LEDGER_HOLDS})
            until = result.get("waited_until")
            if isinstance(until, str) and until > (waited_until or ""):
                waited_until = until
    plan = planned or PlanInfo()
    held.update(plan.held)
    tuned = plan.settings or {}
    return RunSummary.model_validate(
        {
            "family": family,
            "run_date": run_date,
            "candidates": plan.candidates,
            "messages": plan.messages,
            "skipped": dict(sorted(plan.skipped.items())),
            "held": dict(sorted(held.items())),
            **{name: totals.get(name, 0) for name in DELIVERY_COUNTS},
            "dry_run_mode": options.dry_run,
            "redirect_mode": bool(options.redirect_to),
            "complete": planned is not None,
            "held_back": stale,
            "muted": plan.muted,
            "waited_until": waited_until,
            "at": tuned.get("at"),
            "settings_version": tuned.get("settings_version") or 0,
            "settings": tuned.get("settings") or [],
            "changes": tuned.get("changes") or [],
        }
    )


def format_summary(summary: RunSummary | Mapping[str, Any]) -> list[str]:
    summary = RunSummary.read(summary)
    skipped_text = ", ".join(f"{reason} {count}" for reason, count in summary.skipped.items()) or "none"
    held_text = ", ".join(f"{reason} {count}" for reason, count in summary.held.items()) or "none"
    lines = [
        f"Run summary of {summary.family} for {summary.run_date}"
        + (" (DRY RUN: nothing sent)" if summary.is_dry_run else ""),
        *([f"  MUTED: {summary.muted}; nothing was sent"] if summary.muted else []),
        *[f"  CHANGED SINCE THE LAST RUN: {line}" for line in summary.changes],
        *[
            f"  HELD BACK: interface {item.interface} is stale (last success "
            f"{item.last_success or 'never'}, limit {item.max_age_hours} h): nothing was sent"
            for item in summary.held_back
        ],
        f"  candidates      {summary.candidates}",
        f"  messages        {summary.messages}",
        f"  sent            {summary.sent}",
        f"  already sent    {summary.already_sent}",
        f"  skipped         {summary.skipped_total} ({skipped_text})",
        f"  held back       {summary.held_total} ({held_text})",
        f"  failed          {summary.failed}",
        f"  deferred        {summary.deferred}",
        f"  unknown         {summary.unknown}",
    ]
    # shown only when not zero
    optional = (
        ("stranded       ", summary.stranded),
        ("slowed down    ", summary.slowed_down),
        ("refused recipients", summary.refused_recipients),
        ("rendered (dry run)", summary.rendered_unsent),
        ("redirected     ", summary.redirected),
    )
    waited = (
        [f"  waited          {summary.waited} (sending limits; the last until {summary.waited_until} UTC)"]
        if summary.waited
        else []
    )
    overridden = [
        f"{item['field']} {item['value']} (v{item.get('version')} by {item.get('by')})"
        for item in summary.settings
        if item.get("source") == "override"
    ]
    tuned = [f"  overrides       {'; '.join(overridden)}"] if overridden else []
    return lines + waited + [f"  {label} {count}" for label, count in optional if count] + tuned


# Counts that make a run a failure the data team must look at, with what they mean.
_PROBLEM_COUNTS = (
    ("stranded", "message(s) were left 'sending' by a task that stopped: outcome now unknown"),
    ("failed", "message(s) failed permanently"),
    ("refused_recipients", "recipient(s) refused by the SMTP server"),
    ("unknown", "message(s) with unknown outcome"),
)


def run_problems(
    planned: PlanInfo | None,
    deliveries: Sequence[DeliveryResult],
    summary: RunSummary | Mapping[str, Any],
    causes: list[str] | None = None,
) -> list[str]:
    """What makes a run a failure the data team must look at: counts, then the one-line cause of
    each task that failed (`task_errors.failure_cause`; no personal data)."""
    summary = RunSummary.read(summary)
    problems = []
    if planned is None and not summary.held_back:
        problems.append("extract or transform did not finish: nothing was delivered")
    elif planned is not None and len(deliveries) < len(planned.batches):
        missing = len(planned.batches) - len(deliveries)
        problems.append(f"{missing} of {len(planned.batches)} delivery batch(es) did not finish")
    problems += [f"{summary.count(name)} {what}" for name, what in _PROBLEM_COUNTS if summary.count(name)]
    return problems + [cause for cause in causes or [] if cause not in problems]


def record_summary(
    config: FamilyConfig,
    planned: PlanInfo | None,
    summary: RunSummary,
    options: RunOptions,
    context: Context,
) -> None:
    """Skipped candidates go to the ledger (not in a dry run); the summary to the run log."""
    from alertas_rapidas.contracts.plan import idempotency_key
    from alertas_rapidas.ledger import deliveries as ledger
    from alertas_rapidas.plan_files import read_skipped

    dag_id, run_id = context["dag"].dag_id, context["run_id"]
    run_date = summary.run_date
    if run_date is None:  # build_summary always sets it; a summary read back from a row may not
        raise ValueError("a run summary without a run date cannot be recorded")
    with ledger.ledger_connection(ALERTS_CONN_ID) as conn:
        if planned and not options.dry_run and not options.redirect_to:
            skips = [
                (
                    idempotency_key(config.key, s.recipient_ref, s.business_key),
                    s.recipient_ref,
                    s.business_key,
                    s.reason,
                )
                for s in read_skipped(planned.skipped_path)
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
            summary=summary.to_stored(),
        )
