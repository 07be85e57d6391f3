"""Digests of row keys: `row_covers` (a row's send also settles further row keys, the lower
dunning levels a catch-up skips, so that none of them is sent after it), and a family that runs
several times a day with a digest key per run lists only the rows new since its last digest."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from alertas_rapidas.engine.family import parse_history
from alertas_rapidas.engine.spec import AlertSpec
from tests.unit.engine.test_plan import MONDAY, alert, plan


def levels(**fields) -> AlertSpec:
    return alert(
        stages=[
            {
                "name": f"level{n}",
                "when": f"level == {n}",
                "grouping": "digest",
                "recipients": {"to": [{"employee": "owner_id"}]},
                "once_per": f"dunning:level{n}:{{run_date}}",
                "row_key": "invoice:{invoice_id}:level{level}",
                **fields,
            }
            for n in (1, 2, 3)
        ]
    )


def row(level: int) -> dict:
    lower = [f"invoice:7:level{n}" for n in range(1, level)]
    return {"invoice_id": 7, "owner_id": 51, "level": level, "lower_keys": lower}


def test_a_catch_up_at_the_highest_level_settles_the_lower_ones():
    spec = levels(row_covers="lower_keys")
    [message] = plan(spec, [row(3)]).messages
    assert message.business_key == f"dunning:level3:{MONDAY.isoformat()}"
    assert message.covers == ["invoice:7:level3", "invoice:7:level1", "invoice:7:level2"]

    # The ledger then holds all three keys: a later (backfilled) run at level 2 sends nothing.
    history = parse_history([("employee:51", key, MONDAY) for key in message.covers])
    assert plan(spec, [row(2)], day=date(2026, 10, 20), history=history).messages == []
    # A level already sent does not block a higher one.
    history = parse_history([("employee:51", "invoice:7:level1", MONDAY)])
    [later] = plan(spec, [row(2)], day=date(2026, 11, 10), history=history).messages
    assert later.covers == ["invoice:7:level2", "invoice:7:level1"]


def test_without_row_covers_only_the_row_key_is_recorded():
    [message] = plan(levels(), [row(3)]).messages
    assert message.covers == ["invoice:7:level3"]


def test_row_covers_needs_row_key():
    with pytest.raises(ValidationError, match="`row_covers` goes with `row_key`"):
        alert(
            recipients={"to": [{"employee": "owner_id"}]},
            grouping="digest",
            once_per="x:{run_date}",
            row_covers="lower_keys",
        )


def test_a_digest_keyed_per_run_lists_only_rows_not_sent_earlier_that_day():
    spec = alert(
        recipients={"to": [{"employee": "owner_id"}]},
        grouping="digest",
        once_per="leads:{at}",
        row_key="lead:{invoice_id}",
    )
    rows = [row(1), {**row(1), "invoice_id": 8}]
    first = plan(spec, rows[:1]).messages[0]
    history = parse_history([("employee:51", first.business_key, MONDAY), ("employee:51", "lead:7", MONDAY)])
    # A later run of the same day (another digest key): only the new row.
    later = build_later(spec, rows, history)
    assert [m.covers for m in later] == [["lead:8"]]
    # A re-run of the same run (its digest key already sent): the same rows, the same key.
    [again] = plan(spec, rows[:1], history=history).messages
    assert (again.business_key, again.covers) == (first.business_key, ["lead:7"])


def build_later(spec, rows, history):
    from datetime import UTC, datetime

    import pandas as pd

    from alertas_rapidas.engine.planner import build_plan
    from alertas_rapidas.engine.settings import settings_model
    from alertas_rapidas.schedule.run_time import resolve_run_time
    from tests.unit.engine.test_plan import DEALERSHIP, EMPLOYEE_COLUMNS, EMPLOYEES

    frames = {
        "rows": pd.DataFrame(rows),
        "_employees": pd.DataFrame(EMPLOYEES, columns=EMPLOYEE_COLUMNS),
        "_dealership": DEALERSHIP,
    }
    run = resolve_run_time(
        timezone="America/Argentina/Buenos_Aires",
        logical_date=datetime(2026, 11, 2, 15, 30, tzinfo=UTC),
        run_after=None,
        interval=None,
    )
    return build_plan(
        frames, settings_model("demo", spec.settings)(), run, spec=spec, history=history
    ).messages
