"""Tuning a family without a deploy: what the Alertas page's Settings tab and `ops settings` do.

Show a family's tunable fields (the file's value, the override in force, the effective value) and
its on/off state; check proposed changes with the family's own models (`config.load_family_config`
with the overrides on top: the same messages as the YAML's); save them with who and why under the
version they were made from (`override_store.record`: a stale version is refused with what changed);
revert a change; switch the family off or on (a mute: `mutes.switch_off`, `switch_on`).

Guard rail: before a save, the family's next run is planned under the new values (as the page's
preview does, nothing rendered or sent); when it would send `VOLUME_FACTOR` times or more the
messages of the last normal run (or, with no run yet, of the next run under the current values),
the save needs a confirmation. A change takes effect at the next run: runs read the overrides in
force at their instant T (`run_settings`), and the ledger never sends a message twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from alertas_rapidas.ledger import overrides as override_store
from alertas_rapidas.overrides import (
    FieldOverride,
    Kind,
    Merge,
    OverrideError,
    Tunable,
    check_rules,
    entry_lines,
    find_tunable,
    mask,
    parse_entries,
    parse_setting,
    tunables,
    value_text,
)
from alertas_rapidas.schedule.day_runs import next_fire
from alertas_rapidas.tuned_values import field_value

VOLUME_FACTOR = 10


class NotFound(LookupError):
    """Nothing to act on: no override to unset, no such change, not switched off."""


@dataclass
class Edit:
    """One proposed change: set a field (a setting written as in YAML, or recipient entries, or a
    value as stored), or unset it (back to the file's value)."""

    field: str
    action: str = "set"
    text: str | None = None
    entries: list[str] | None = None
    value: Any = None
    merge: str | None = None

    @classmethod
    def parse(cls, data: Any) -> Edit:
        """From the page's JSON: {field, action, text | entries, merge}."""
        if not isinstance(data, dict) or not isinstance(data.get("field"), str):
            raise OverrideError(["changes: each change names its field"])
        entries = data.get("entries")
        return cls(
            field=data["field"].strip(),
            action=str(data.get("action") or "set"),
            text=None if data.get("text") is None else str(data["text"]),
            entries=[str(e) for e in entries] if isinstance(entries, list) else None,
            merge=str(data["merge"]) if data.get("merge") else None,
        )


@dataclass
class FamilyState:
    """A family as it is now: the file, the overrides in force and the effective values."""

    key: str
    path: Path
    file_config: Any
    file_settings: BaseModel
    config: Any
    settings: BaseModel
    tunables: list[Tunable]
    version: int
    in_force: dict[str, override_store.Change]
    mute: Any = None  # mutes.Mute in force now
    error: list[str] = field(default_factory=list)  # the overrides no longer fit the file

    def overrides(self, *, without: set[str] = frozenset()) -> list[FieldOverride]:  # type: ignore[assignment]
        return [
            found
            for name, change in self.in_force.items()
            if name not in without and (found := change.override()) is not None
        ]

    def tunable(self, name: str) -> Tunable:
        try:
            return find_tunable(self.tunables, name)
        except OverrideError:
            if name.startswith("settings."):  # unknown: the settings model says so, with its did-you-mean
                return Tunable(name, Kind.SETTING, (Merge.REPLACE,), target=name.split(".", 1)[1])
            raise


def load_state(conn: Any, family: str) -> FamilyState:
    from alertas_rapidas.config import FamilyConfigError, load_family_config
    from alertas_rapidas.families.registry import family_path
    from alertas_rapidas.ledger import mutes

    path = family_path(family)
    file_config, file_settings = load_family_config(path)
    version, changes = override_store.in_force(conn, family)
    in_force = {change.field: change for change in changes if change.action == "set"}
    config, settings, error = file_config, file_settings, []
    overrides = [found for change in in_force.values() if (found := change.override()) is not None]
    if overrides:
        try:
            config, settings = load_family_config(path, overrides)
        except FamilyConfigError as exc:
            error = error_lines(exc)
    return FamilyState(
        key=family,
        path=path,
        file_config=file_config,
        file_settings=file_settings,
        config=config,
        settings=settings,
        tunables=tunables(file_config, type(file_settings)),
        version=version,
        in_force=in_force,
        mute=mutes.mute_at(conn, family, conn.execute("select now()").fetchone()[0]),
        error=error,
    )


def error_lines(exc: Exception) -> list[str]:
    """A FamilyConfigError's lines without its heading: one per field, as the models say them."""
    lines = str(exc).splitlines()
    return [line.strip().removeprefix("- ") for line in lines[1:]] or lines


def _shown(item: Tunable, value: Any, reveal: bool) -> dict[str, Any]:
    text = value_text(item, value)
    entries = entry_lines(item.kind, value) if item.kind != Kind.SETTING else None
    if not reveal:
        text, entries = mask(text), mask(entries)
    return {"text": text, "entries": entries}


def describe(conn: Any, state: FamilyState, *, reveal: bool, can_edit: bool = False) -> dict[str, Any]:
    """The family's tunable fields and state as the page and `ops settings show --json` give them.
    Without `reveal` (a user who may not see recipients), addresses are masked."""
    from alertas_rapidas.ledger import mutes

    fields = []
    for item in state.tunables:
        change = state.in_force.get(item.field)
        entry: dict[str, Any] = {
            "field": item.field,
            "kind": str(item.kind),
            "merges": [str(m) for m in item.merges],
            "description": item.description,
            "stage": item.stage,
            "target": item.target,
            "file": _shown(item, field_value(state.file_config, state.file_settings, item), reveal),
            "effective": _shown(item, field_value(state.config, state.settings, item), reveal),
            "source": "override" if change else "file",
            "override": None,
        }
        if item.kind == Kind.SETTING:
            entry["declared"] = _declared(state.file_config, item.target)
        if change:
            entry["override"] = {
                "id": change.id,
                "version": change.version,
                "merge": change.merge,
                **_shown(item, change.value, reveal),
                "by": change.by,
                "at": _iso(change.at),
                "reason": change.reason if reveal else mask(change.reason),
            }
        fields.append(entry)
    mute = state.mute
    return {
        "family": state.key,
        "title": state.file_config.title,
        "dag_id": state.file_config.dag_id,
        "timezone": state.file_config.timezone,
        "version": state.version,
        "can_edit": can_edit,
        "errors": state.error,
        "state": {
            "on": mute is None,
            "off": bool(mute and mute.is_off),
            "muted": bool(mute and not mute.is_off),
            "text": mute.state() if mute else "on",
            "mute": mute.to_dict() if mute else None,
        },
        "fields": fields,
        "history": history_json(
            state, override_store.history(conn, state.key), mutes.history(conn, state.key), reveal
        ),
        "next_run": next_fire(state.file_config).isoformat(),
        "volume_factor": VOLUME_FACTOR,
    }


def _declared(config: Any, name: str) -> dict[str, Any]:
    """What the file declares of a setting: type, limits, choices (configured families)."""
    spec = config.alert.settings.get(name) if config.alert is not None else None
    if spec is None:
        return {}
    return {"type": spec.type, "min": spec.min, "max": spec.max, "choices": spec.choices}


def history_json(
    state: FamilyState, changes: list[override_store.Change], mutes: list[Any], reveal: bool
) -> list[dict[str, Any]]:
    """Every change and every switch off / on (and mute), the latest first, each with its diff."""
    items: list[dict[str, Any]] = []
    for change in changes:
        item = _tunable_for(state, change.field)
        before = change.previous or {}
        after = (
            {"source": "override", "value": change.value, "merge": change.merge}
            if change.action == "set"
            else {"source": "file", "value": None}
        )
        items.append(
            {
                "kind": "change",
                "id": change.id,
                "version": change.version,
                "field": change.field,
                "action": change.action,
                "before": _side(item, before, reveal),
                "after": _side(item, after, reveal),
                "by": change.by,
                "at": _iso(change.at),
                "reason": change.reason if reveal else mask(change.reason),
                "reverts": change.reverts,
            }
        )
    for mute in mutes:
        kind = "off" if mute.is_off else "mute"
        items.append(
            {
                "kind": kind,
                "id": mute.id,
                "by": mute.muted_by,
                "at": _iso(mute.muted_from),
                "until": _iso(mute.muted_until) if mute.muted_until else None,
                "reason": mute.reason if reveal else mask(mute.reason),
            }
        )
        if mute.ended_at:
            items.append(
                {
                    "kind": "on",
                    "id": mute.id,
                    "by": mute.ended_by,
                    "at": _iso(mute.ended_at),
                    "reason": (mute.end_reason or "") if reveal else mask(mute.end_reason or ""),
                }
            )
    return sorted(items, key=lambda entry: entry["at"], reverse=True)


def _tunable_for(state: FamilyState, name: str) -> Tunable:
    try:
        return state.tunable(name)
    except OverrideError:  # a field the file no longer has
        kind = Kind.SETTING if name.startswith("settings.") else Kind.RULES if "." in name else Kind.ADDRESSES
        return Tunable(name, kind, (Merge.REPLACE,), target=name.rsplit(".", 1)[-1])


def _side(item: Tunable, side: dict[str, Any], reveal: bool) -> dict[str, Any]:
    source = side.get("source", "file")
    if source == "file" and side.get("value") is None:
        return {"source": "file", "merge": None, "text": "", "entries": None}
    return {"source": source, "merge": side.get("merge"), **_shown(item, side.get("value"), reveal)}


# --- proposing and saving changes -------------------------------------------------------------------


@dataclass
class Proposal:
    """Checked changes: what to store, and the overrides in force once they are."""

    changes: list[override_store.NewChange]
    overrides: list[FieldOverride]
    config: Any
    settings: BaseModel


def check(state: FamilyState, edits: list[Edit]) -> Proposal:
    """Check edits against the family's models; OverrideError with one line per problem."""
    from alertas_rapidas.config import FamilyConfigError, load_family_config

    errors: list[str] = []
    changes: list[override_store.NewChange] = []
    seen: set[str] = set()
    if not edits:
        raise OverrideError(["changes: nothing to change"])
    for edit in edits:
        try:
            item = state.tunable(edit.field)
        except OverrideError as exc:
            errors += exc.errors
            continue
        if item.field in seen:
            errors.append(f"{item.field}: changed twice in one save")
            continue
        seen.add(item.field)
        previous = _previous(state, item)
        if edit.action == "unset":
            if item.field not in state.in_force:
                errors.append(f"{item.field}: has no override to unset (it has the file's value)")
                continue
            changes.append(override_store.NewChange(item.field, "unset", None, None, previous))
            continue
        if edit.action != "set":
            errors.append(f"{item.field}: action must be set or unset (given: {edit.action!r})")
            continue
        try:
            merge = Merge(edit.merge) if edit.merge else item.default_merge
        except ValueError:
            merge = None
        if merge not in item.merges:
            errors.append(f"{item.field}: merges by {' or '.join(item.merges)} only (given: {edit.merge!r})")
            continue
        try:
            value = _value(state, item, edit)
        except OverrideError as exc:
            errors += exc.errors
            continue
        if item.kind == Kind.RULES:
            errors += check_rules(item.field, value, _branch_columns(state, item))
        changes.append(override_store.NewChange(item.field, "set", str(merge), value, previous))
    if errors:
        raise OverrideError(errors)
    overrides = state.overrides(without=seen) + [
        FieldOverride(change.field, change.value, Merge(str(change.merge)))
        for change in changes
        if change.action == "set"
    ]
    try:
        config, settings = load_family_config(state.path, overrides)
    except FamilyConfigError as exc:
        lines = [_field_named(state, line) for line in error_lines(exc)]
        # The file's fields are checked before the settings: check the settings alone as well, so
        # that every refused value is named at once.
        settings_only = [o for o in overrides if o.field.startswith("settings.")]
        if len(settings_only) < len(overrides):
            try:
                load_family_config(state.path, settings_only)
            except FamilyConfigError as more:
                lines += [line for line in error_lines(more) if line not in lines]
        raise OverrideError(lines) from None
    return Proposal(changes, overrides, config, settings)


_STAGE_LOCATION = re.compile(r"^alert\.stages\.(\d+)\.recipients\.(to|cc|bcc)\.(\d+)(.*)$", re.DOTALL)


def _field_named(state: FamilyState, line: str) -> str:
    """`alert.stages.0.recipients.cc.1.role: ...` as the field people changed:
    `recipients.main.cc[1].role: ...` (the model's message itself unchanged)."""
    found = _STAGE_LOCATION.match(line)
    alert = state.file_config.alert
    if not found or alert is None or int(found.group(1)) >= len(alert.stages):
        return line
    stage = alert.stages[int(found.group(1))].name
    return f"recipients.{stage}.{found.group(2)}[{found.group(3)}]{found.group(4)}"


def _value(state: FamilyState, item: Tunable, edit: Edit) -> Any:
    if edit.value is not None:
        return edit.value
    if item.kind == Kind.SETTING:
        if edit.text is None or not edit.text.strip():
            raise OverrideError([f"{item.field}: give a value (as in the YAML file), or unset it"])
        return parse_setting(edit.text, type(state.file_settings), item.target)
    entries = (
        edit.entries
        if edit.entries is not None
        else [e for e in (edit.text or "").replace("\n", ",").split(",")]
    )
    value = parse_entries(entries, item.kind, item.field)
    if not value:
        raise OverrideError([f"{item.field}: give at least one address or role (or unset it)"])
    return value


def _previous(state: FamilyState, item: Tunable) -> dict[str, Any]:
    change = state.in_force.get(item.field)
    if change is not None:
        return {"source": "override", "value": change.value, "merge": change.merge, "id": change.id}
    try:
        return {"source": "file", "value": field_value(state.file_config, state.file_settings, item)}
    except (StopIteration, AttributeError):
        return {"source": "file", "value": None}


def _branch_columns(state: FamilyState, item: Tunable) -> set[str]:
    alert = state.file_config.alert
    stage = next((s for s in alert.stages if s.name == item.stage), None) if alert else None
    return {rule.branch for rule in stage.recipients.rules() if rule.branch} if stage else set()


@dataclass
class Volume:
    """The next run under the proposal, against the last normal run's messages."""

    next_run: datetime
    proposed: int
    baseline: int
    baseline_from: str  # "last_run" | "current_values"
    needs_confirmation: bool
    error: str | None = None

    def line(self) -> str:
        if self.error:
            return f"the next run could not be planned to check its volume ({self.error})"
        baseline = (
            f"the last run planned {self.baseline}"
            if self.baseline_from == "last_run"
            else f"with the values in force it would plan {self.baseline}"
        )
        when = f"{self.next_run:%Y-%m-%d %H:%M}"
        return f"the next run ({when}) would plan {self.proposed} message(s); {baseline}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "next_run": self.next_run.isoformat(),
            "proposed": self.proposed,
            "baseline": self.baseline,
            "baseline_from": self.baseline_from,
            "needs_confirmation": self.needs_confirmation,
            "factor": VOLUME_FACTOR,
            "error": self.error,
            "line": self.line(),
        }


class NeedsConfirmation(RuntimeError):
    def __init__(self, volume: Volume) -> None:
        super().__init__(
            f"{volume.line()}: {VOLUME_FACTOR} times or more; confirm to save"
            if not volume.error
            else f"{volume.line()}; confirm to save without the check"
        )
        self.volume = volume


def planned_messages(state: FamilyState, overrides: list[FieldOverride], at: datetime) -> int:
    """How many messages the run at `at` would plan with `overrides` (extract and transform only)."""
    from alertas_rapidas.authoring.preview import plan_day

    return len(plan_day(state.key, at.date(), at=at, as_run=True, overrides=overrides).plan.messages)


def volume(conn: Any, state: FamilyState, proposal: Proposal) -> Volume:
    at = next_fire(state.file_config)
    _version, _last_at, last_messages = override_store.last_real_runs(conn, state.key)
    try:
        proposed = planned_messages(state, proposal.overrides, at)
        if last_messages is None:
            baseline, source = planned_messages(state, state.overrides(), at), "current_values"
        else:
            baseline, source = int(last_messages), "last_run"
    except Exception as exc:  # the DMS unreachable, a query failing: the check cannot be made
        first = (str(exc).strip() or type(exc).__name__).splitlines()[0]
        return Volume(at, 0, 0, "last_run", True, error=mask(first))
    needs = proposed > baseline and proposed >= VOLUME_FACTOR * max(baseline, 1)
    return Volume(at, proposed, baseline, source, needs)


def save(
    conn: Any,
    family: str,
    edits: list[Edit],
    *,
    by: str,
    reason: str,
    expected_version: int | None,
    confirm: bool = False,
    reverts: int | None = None,
) -> list[override_store.Change]:
    """Check and store a save; OverrideError (refused values), NeedsConfirmation (volume),
    override_store.Conflict (another save came first)."""
    if not (reason or "").strip():
        raise OverrideError(["reason: say why (it is kept with the change, for whoever looks later)"])
    state = load_state(conn, family)
    if expected_version is not None and expected_version != state.version:
        raise override_store.Conflict(
            expected_version, override_store.changes_between(conn, family, expected_version, state.version)
        )
    proposal = check(state, edits)
    # Only what decides how many messages go: settings and who a message is to (not the copies).
    if not confirm and any(
        c.field.startswith("settings.") or c.field.endswith(".to") for c in proposal.changes
    ):
        found = volume(conn, state, proposal)
        if found.needs_confirmation:
            raise NeedsConfirmation(found)
    return override_store.record(
        conn,
        family,
        proposal.changes,
        by=by,
        reason=reason,
        expected_version=state.version if expected_version is None else expected_version,
        reverts=reverts,
    )


def revert_edit(conn: Any, family: str, change_id: int) -> Edit:
    """The edit that puts back what was in force before change `change_id`; NotFound."""
    change = override_store.change(conn, family, change_id)
    if change is None:
        raise NotFound(f"{family} has no change {change_id} (see its history)")
    before = change.previous or {}
    if before.get("source") == "override":
        return Edit(change.field, "set", value=before.get("value"), merge=before.get("merge"))
    return Edit(change.field, "unset")


def revert(
    conn: Any,
    family: str,
    change_id: int,
    *,
    by: str,
    reason: str,
    expected_version: int | None,
    confirm: bool = False,
) -> list[override_store.Change]:
    """Put back what was in force before a change (the file's value when it was a first override)."""
    edit = revert_edit(conn, family, change_id)
    state = load_state(conn, family)
    if edit.action == "unset" and edit.field not in state.in_force:
        raise NotFound(f"{edit.field} already has the file's value: nothing to revert")
    return save(
        conn,
        family,
        [edit],
        by=by,
        reason=reason,
        expected_version=expected_version,
        confirm=confirm,
        reverts=change_id,
    )


def switch(conn: Any, family: str, *, on: bool, by: str, reason: str) -> Any:
    """Switch a family off (an open-ended mute from now) or on (its mute ended); MuteError."""
    from alertas_rapidas.ledger import mutes

    if on:
        return mutes.switch_on(conn, family, by=by, reason=reason)
    return mutes.switch_off(conn, family, by=by, reason=reason)


def _iso(instant: datetime) -> str:
    """An instant in UTC, ISO 8601 (the page shows it in the user's zone)."""
    return instant.astimezone(ZoneInfo("UTC")).isoformat()
