"""`repeat.every_days` / `repeat.max_times` given as a `{setting}`: the thresholds a family lets
people edit (CATALOGUE.md: "repeat every K days, at most M times" with K and M as settings)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from alertas_rapidas.engine.spec import AlertSpec
from tests.unit.engine.test_plan import MONDAY, alert, customer, plan

SETTINGS = {
    "every": {"type": "int", "default": 2, "min": 1, "max": 365},
    "times": {"type": "int", "default": 3, "min": 1, "max": 100},
}
REMINDER = alert(
    settings=SETTINGS,
    recipients={"to": [{"party": {"ref": "customer:{customer_id}"}}]},
    once_per="reminder:{order_id}",
    repeat={"every_days": "{every}", "max_times": "{times}"},
)
REF, KEY = "customer:1", "reminder:101"


def keys(day, history=None, **settings) -> list[str]:
    rows = [customer(1, "c1@example.net")]
    return [m.business_key for m in plan(REMINDER, rows, day=day, history=history, **settings).messages]


def test_repeat_thresholds_come_from_the_settings_defaults():
    once = {(REF, KEY): (1, MONDAY)}
    assert keys(MONDAY) == [KEY]
    assert keys(MONDAY + timedelta(days=1), once) == []  # every 2 days by default
    assert keys(MONDAY + timedelta(days=2), once) == [f"{KEY}#2"]
    thrice = {(REF, KEY): (3, MONDAY + timedelta(days=4))}
    assert keys(MONDAY + timedelta(days=6), thrice) == []  # at most 3 times by default


def test_repeat_thresholds_follow_edited_settings():
    once = {(REF, KEY): (1, MONDAY)}
    assert keys(MONDAY + timedelta(days=2), once, every=5) == []
    assert keys(MONDAY + timedelta(days=5), once, every=5) == [f"{KEY}#2"]
    assert keys(MONDAY + timedelta(days=2), once, times=1) == []


@pytest.mark.parametrize(
    ("repeat", "settings", "message"),
    [
        ({"every_days": "{missing}", "max_times": 2}, {}, "repeat.every_days '{missing}' must name"),
        (
            {"every_days": 2, "max_times": "{label}"},
            {"label": {"type": "text", "default": "x"}},
            "repeat.max_times '{label}' must name a declared int setting",
        ),
        ({"every_days": "days", "max_times": 2}, {}, "every_days"),
        ({"every_days": 0, "max_times": 2}, {}, "every_days"),
    ],
)
def test_a_repeat_setting_must_be_a_declared_int(repeat, settings, message):
    with pytest.raises(ValidationError, match=message.replace("{", r"\{").replace("}", r"\}")):
        AlertSpec.model_validate(
            {
                "rows": {"sql": "demo/rows.sql"},
                "settings": settings,
                "recipients": {"to": [{"addresses": ["a@example.net"]}]},
                "once_per": "x:{run_date}",
                "repeat": repeat,
            }
        )
