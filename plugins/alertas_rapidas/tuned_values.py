"""How a tuned field reads: its value in a validated config (as JSON) and a change to it in one line,
addresses masked. The Settings tab, `ops settings` (`tuning`) and a run's summary (`run_settings`)
write them the same way."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from alertas_rapidas.overrides import Kind, Merge, Tunable, mask, value_text

if TYPE_CHECKING:
    from alertas_rapidas.ledger.overrides import Change


def field_value(config: Any, settings: BaseModel, item: Tunable) -> Any:
    """A field's value in a validated config, as JSON (recipient rules as the file writes them)."""
    if item.kind == Kind.SETTING:
        return settings.model_dump(mode="json").get(item.target)
    if item.kind == Kind.ADDRESSES:
        return [str(address) for address in getattr(config, item.field)]
    stage = next(s for s in config.alert.stages if s.name == item.stage)
    return [
        rule.model_dump(mode="json", exclude_defaults=True) for rule in getattr(stage.recipients, item.target)
    ]


def change_line(item_field: str, change: Change, tunable: Tunable | None = None) -> str:
    """A change in one line, addresses masked: `settings.days: 10 -> 5 (v3 by ana, 2026-12-07
    20:31 UTC: why)`."""
    item = tunable or Tunable(
        item_field, Kind.SETTING if item_field.startswith("settings.") else Kind.RULES, (Merge.REPLACE,)
    )
    before = change.previous or {}
    was = "the file's value" if before.get("source") == "file" else "override"
    old = value_text(item, before.get("value")) if before.get("value") is not None else ""
    new = (
        ("+ " if change.merge == Merge.ADD else "") + value_text(item, change.value)
        if change.action == "set"
        else "the file's value"
    )
    when = change.at.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%d %H:%M")
    text = (
        f"{item_field}: {old or was} -> {new} (v{change.version} by {change.by}, {when} UTC: {change.reason})"
    )
    return str(mask(text))
