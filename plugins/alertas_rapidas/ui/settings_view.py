"""The page's Settings tab: a family's tunable values and history, the preview of its next run under
proposed values, saving, reverting and switching it off or on (alertas_rapidas.tuning does the work).

Who may do what (`access`): everyone who may read runs sees the values and the history, with
addresses masked unless they may trigger runs (who may see recipients elsewhere on the page);
previewing proposed values renders the next run's mails (trigger runs); saving, reverting and
switching need the permission to edit that family's DAG. Refusals are one line per problem, in the
models' words; a save made from a version someone else changed since answers 409 with what changed
and the current values; a save that would multiply the next run's messages answers 409 asking for
a confirmation. Every change is logged with who made it, the family and the fields (never a value).
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


class Refused(Exception):
    """What the page answers instead: a status and the JSON to send."""

    def __init__(self, status: int, data: dict[str, Any]) -> None:
        super().__init__(data.get("detail", ""))
        self.status = status
        self.data = data


def _connection() -> Any:
    from alertas_rapidas.connections import ALERTS_CONN_ID
    from alertas_rapidas.ledger.deliveries import ledger_connection

    return ledger_connection(ALERTS_CONN_ID)


def _refused(errors: list[str], status: int = 400, **extra: Any) -> Refused:
    return Refused(status, {"detail": errors[0], "errors": errors, **extra})


def settings_json(family: str, *, reveal: bool, can_edit: bool) -> dict[str, Any]:
    from alertas_rapidas import tuning

    with _connection() as conn:
        state = tuning.load_state(conn, family)
        return tuning.describe(conn, state, reveal=reveal, can_edit=can_edit)


def edits_of(body: dict[str, Any]) -> list[Any]:
    from alertas_rapidas.overrides import OverrideError
    from alertas_rapidas.tuning import Edit

    changes = body.get("changes")
    if not isinstance(changes, list) or not changes:
        raise _refused(["changes: nothing to change"])
    try:
        return [Edit.parse(item) for item in changes]
    except OverrideError as exc:
        raise _refused(exc.errors) from None


def version_of(body: dict[str, Any]) -> int:
    version = body.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise _refused(["version: the settings version you read (reload the page)"])
    return version


def reason_of(body: dict[str, Any]) -> str:
    reason = str(body.get("reason") or "").strip()
    if not reason:
        raise _refused(["reason: say why (it is kept with the change, for whoever looks later)"])
    if len(reason) > 500:
        raise _refused(["reason: at most 500 characters"])
    return reason


def preview(family: str, body: dict[str, Any]) -> dict[str, Any]:
    """The next run under the proposed values, rendered as the preview renders a day, with the
    number of messages it would plan under the current values and the volume check."""
    from alertas_rapidas import tuning
    from alertas_rapidas.authoring.preview import PreviewError, plan_day
    from alertas_rapidas.ledger import overrides as override_store
    from alertas_rapidas.overrides import OverrideError
    from alertas_rapidas.ui.preview_view import preview_json

    edits = edits_of(body)
    with _connection() as conn:
        state = tuning.load_state(conn, family)
        try:
            proposal = tuning.check(state, edits)
        except OverrideError as exc:
            raise _refused(exc.errors) from None
        _version, _at, last_messages = override_store.last_real_runs(conn, family)
    from alertas_rapidas.schedule.day_runs import next_fire

    at = next_fire(state.file_config)
    try:
        current = plan_day(family, at.date(), at=at, as_run=True, overrides=state.overrides())
        proposed = plan_day(family, at.date(), at=at, as_run=True, overrides=proposal.overrides)
        data = preview_json(proposed, family, at.date())
    except PreviewError as exc:
        raise _refused([str(exc)], 422) from None
    baseline = int(last_messages) if last_messages is not None else len(current.plan.messages)
    volume = tuning.Volume(
        at,
        len(proposed.plan.messages),
        baseline,
        "last_run" if last_messages is not None else "current_values",
        False,
    )
    volume.needs_confirmation = volume.proposed > baseline and volume.proposed >= tuning.VOLUME_FACTOR * max(
        baseline, 1
    )
    return {
        "next_run": at.isoformat(),
        "version": state.version,
        "current": {"messages": len(current.plan.messages), "candidates": current.plan.candidates},
        "preview": data,
        "volume": volume.to_dict(),
    }


def save(family: str, body: dict[str, Any], user: str) -> dict[str, Any]:
    from alertas_rapidas import tuning
    from alertas_rapidas.ledger import overrides as override_store
    from alertas_rapidas.overrides import OverrideError

    edits, version, reason = edits_of(body), version_of(body), reason_of(body)
    with _connection() as conn:
        try:
            stored = tuning.save(
                conn,
                family,
                edits,
                by=user,
                reason=reason,
                expected_version=version,
                confirm=body.get("confirm") is True,
            )
        except OverrideError as exc:
            raise _refused(exc.errors) from None
        except tuning.NeedsConfirmation as exc:
            raise _refused([str(exc)], 409, needs_confirmation=True, volume=exc.volume.to_dict()) from None
        except override_store.Conflict as exc:
            raise _conflict(conn, family, exc) from None
        state = tuning.load_state(conn, family)
        data = tuning.describe(conn, state, reveal=True, can_edit=True)
    log.info(
        "Alertas settings of %s changed by %s: %s (version %d)",
        family,
        user,
        ", ".join(f"{c.action} {c.field}" for c in stored),
        stored[0].version,
    )
    return data


def revert(family: str, body: dict[str, Any], user: str) -> dict[str, Any]:
    from alertas_rapidas import tuning
    from alertas_rapidas.ledger import overrides as override_store
    from alertas_rapidas.overrides import OverrideError

    change = body.get("change")
    if not isinstance(change, int) or isinstance(change, bool):
        raise _refused(["change: the id of the change to revert (see the history)"])
    version, reason = version_of(body), reason_of(body)
    with _connection() as conn:
        try:
            stored = tuning.revert(
                conn,
                family,
                change,
                by=user,
                reason=reason,
                expected_version=version,
                confirm=body.get("confirm") is True,
            )
        except tuning.NotFound as exc:
            raise _refused([str(exc)], 404) from None
        except OverrideError as exc:
            raise _refused(exc.errors) from None
        except tuning.NeedsConfirmation as exc:
            raise _refused([str(exc)], 409, needs_confirmation=True, volume=exc.volume.to_dict()) from None
        except override_store.Conflict as exc:
            raise _conflict(conn, family, exc) from None
        data = tuning.describe(conn, tuning.load_state(conn, family), reveal=True, can_edit=True)
    log.info(
        "Alertas settings of %s: change %d reverted by %s (version %d)",
        family,
        change,
        user,
        stored[0].version,
    )
    return data


def switch(family: str, body: dict[str, Any], user: str) -> dict[str, Any]:
    from alertas_rapidas import tuning
    from alertas_rapidas.ledger.mutes import MuteError

    on = body.get("on")
    if not isinstance(on, bool):
        raise _refused(["on: true to switch the alert on, false to switch it off"])
    reason = reason_of(body)
    with _connection() as conn:
        try:
            tuning.switch(conn, family, on=on, by=user, reason=reason)
        except MuteError as exc:
            data = tuning.describe(conn, tuning.load_state(conn, family), reveal=True, can_edit=True)
            raise _refused([str(exc)], 409, current=data) from None
        data = tuning.describe(conn, tuning.load_state(conn, family), reveal=True, can_edit=True)
    log.info("Alertas family %s switched %s by %s", family, "on" if on else "off", user)
    return data


def _conflict(conn: Any, family: str, exc: Any) -> Refused:
    """409: what changed since the version the user read, and the current values."""
    from alertas_rapidas import tuning
    from alertas_rapidas.tuned_values import change_line

    state = tuning.load_state(conn, family)
    current = tuning.describe(conn, state, reveal=True, can_edit=True)
    lines = [str(exc), *(change_line(c.field, c) for c in exc.since)]
    return _refused(lines, 409, conflict=True, current=current)
