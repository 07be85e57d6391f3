"""The settings a run uses: the family file's, with the overrides in force at the run's instant T.

`extract` reads the overrides in force at T (`override_store.in_force`) and passes on the family's
version it read; `transform` and `render` read them again as of that version, so every task of a
run uses the same values even if someone saves a change meanwhile (it takes effect at the next
run), and a backfill of a date before a change uses the values of that date. Overrides that no
longer fit the family file (the file changed since) fail the run on its first try, naming them.

The run summary records the effective value of every setting (and of every overridden recipient
list) with its source, `file` or `override`, and the changes this run is the first to apply.
Values in the summary and the task log have their addresses masked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from alertas_rapidas.overrides import FieldOverride, Kind, mask, tunables, value_text


@dataclass(frozen=True)
class Tuned:
    """A run's config, settings and family with the overrides in force at its instant."""

    config: Any
    settings: Any
    family: Any
    version: int = 0  # the family's settings version at T (0: no override was ever in force)
    overrides: list[FieldOverride] = field(default_factory=list)


def for_run(config: Any, settings: Any, family: Any, at: datetime, version: int | None = None) -> Tuned:
    """The run's values at `at`: as of `version` when an earlier task of the run read it."""
    if version == 0:
        return Tuned(config, settings, family)
    from alertas_rapidas.connections import ALERTS_CONN_ID
    from alertas_rapidas.ledger import overrides as override_store
    from alertas_rapidas.ledger.deliveries import ledger_connection

    with ledger_connection(ALERTS_CONN_ID) as conn:
        found, changes = override_store.in_force(conn, config.key, at, version)
    return tuned(config, settings, family, found, [o for c in changes if (o := c.override()) is not None])


def tuned(config: Any, settings: Any, family: Any, version: int, overrides: list[FieldOverride]) -> Tuned:
    if not overrides:
        return Tuned(config, settings, family, version)
    from alertas_rapidas.config import FamilyConfigError, load_family_config
    from alertas_rapidas.engine.family import family_for
    from alertas_rapidas.families.registry import family_path
    from alertas_rapidas.task_errors import ConfigurationError

    path = config.source or family_path(config.key)
    try:
        new_config, new_settings = load_family_config(path, overrides)
    except FamilyConfigError as exc:
        lines = [line.strip() for line in str(exc).splitlines()[1:]]
        raise ConfigurationError(
            f"the overrides in force (settings version {version}) no longer fit {config.key}'s file: "
            + mask("; ".join(lines))
            + " (change or unset them: ops settings, or the Alertas page)"
        ) from None
    return Tuned(new_config, new_settings, family_for(new_config), version, overrides)


def summary_block(tuned_run: Tuned, at: datetime) -> dict[str, Any]:
    """What the run summary records of the run's values: the version, the run's instant, each
    setting's effective value and source, and the changes this run is the first to apply."""
    from alertas_rapidas.connections import ALERTS_CONN_ID
    from alertas_rapidas.ledger import mutes
    from alertas_rapidas.ledger import overrides as override_store
    from alertas_rapidas.ledger.deliveries import ledger_connection

    key = tuned_run.config.key
    with ledger_connection(ALERTS_CONN_ID) as conn:
        seen_version, last_at, _ = override_store.last_real_runs(conn, key)
        changes = override_store.changes_between(conn, key, seen_version, tuned_run.version)
        # the switches off and on since the runs before (none listed on a family's first run)
        events = mutes.history(conn, key, limit=20) if last_at is not None else []
        unseen = [
            (instant, line)
            for instant, line in switch_events(events, upto=at)
            if not override_store.seen_by_a_run(conn, key, instant)
        ]
    return {
        "settings_version": tuned_run.version,
        "at": at.isoformat(),
        "settings": effective(tuned_run),
        "changes": [_change_line(tuned_run, c) for c in changes]
        + [str(mask(line)) for _, line in sorted(unseen)],
    }


def effective(tuned_run: Tuned) -> list[dict[str, Any]]:
    """Every setting's value and source, and every recipient list an override changes."""
    from alertas_rapidas.tuned_values import field_value

    by_field = {item.field: item for item in tuned_run.overrides}
    found = []
    for item in tunables(tuned_run.config, type(tuned_run.settings)):
        override = by_field.get(item.field)
        if item.kind != Kind.SETTING and override is None:
            continue
        entry: dict[str, Any] = {
            "field": item.field,
            "value": mask(value_text(item, field_value(tuned_run.config, tuned_run.settings, item))),
            "source": "override" if override else "file",
        }
        if override is not None:
            entry.update(version=override.version, by=override.by, merge=str(override.merge))
        found.append(entry)
    return found


def _change_line(tuned_run: Tuned, change: Any) -> str:
    from alertas_rapidas.overrides import find_tunable
    from alertas_rapidas.tuned_values import change_line

    try:
        item = find_tunable(tunables(tuned_run.config, type(tuned_run.settings)), change.field)
    except ValueError:
        item = None
    return change_line(change.field, change, item)


def switch_events(events: list[Any], *, upto: datetime) -> list[tuple[datetime, str]]:
    """Each switch off, on (and mute) at or before `upto`, with its instant, as a line:
    `switched off by ana.ops at 2026-12-07 20:31 UTC: why`."""
    lines = []
    for mute in events:
        if mute.muted_from <= upto:
            what = "switched off" if mute.is_off else f"muted until {_utc(mute.muted_until)}"
            lines.append(
                (mute.muted_from, f"{what} by {mute.muted_by} at {_utc(mute.muted_from)}: {mute.reason}")
            )
        if mute.ended_at and mute.ended_at <= upto:
            why = f": {mute.end_reason}" if mute.end_reason else ""
            lines.append((mute.ended_at, f"switched on by {mute.ended_by} at {_utc(mute.ended_at)}{why}"))
    return lines


def _utc(instant: datetime) -> str:
    return f"{instant.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
