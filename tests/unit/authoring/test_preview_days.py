"""Which runs a preview of a date stands for: every run the family's schedule makes that day (the
issue 22 report: an hourly family previewed only its last hour, "no message" on a day that sent 3),
or those between two times; a day it does not fire on stands for one run, as a manual run does."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from alertas_rapidas.authoring.preview import day_instants
from alertas_rapidas.config import load_family_config
from alertas_rapidas.paths import FAMILIES_DIR
from alertas_rapidas.ui.preview_view import Window

BUENOS_AIRES = ZoneInfo("America/Argentina/Buenos_Aires")
NOV_1 = date(2026, 11, 1)


def config(key: str):
    return load_family_config(FAMILIES_DIR / f"{key}.yaml")[0]


def test_an_hourly_family_stands_for_its_24_runs_of_the_day():
    instants = day_instants(config("vehicle_arrived"), NOV_1)
    assert len(instants) == 24
    assert instants[0] == datetime(2026, 11, 1, 0, 0, tzinfo=BUENOS_AIRES)
    assert instants[-1] == datetime(2026, 11, 1, 23, 0, tzinfo=BUENOS_AIRES)
    assert len(day_instants(config("sales_documents"), NOV_1)) == 96  # every 15 minutes


def test_a_window_keeps_the_runs_between_two_times():
    instants = day_instants(config("vehicle_arrived"), NOV_1, time(8, 0), time(12, 0))
    assert [i.hour for i in instants] == [8, 9, 10, 11, 12]


def test_a_day_the_cron_does_not_fire_on_stands_for_one_run_at_its_time():
    monthly = config("customer_statements")  # 08:00 on day 1
    assert day_instants(monthly, NOV_1) == [datetime(2026, 11, 1, 8, 0, tzinfo=BUENOS_AIRES)]
    assert day_instants(monthly, date(2026, 11, 5)) == [datetime(2026, 11, 5, 8, 0, tzinfo=BUENOS_AIRES)]


@pytest.mark.parametrize(
    ("start", "end", "error"),
    [
        ("8", "", "from_time: a time of day written HH:MM (08:00)"),
        ("12:00", "08:00", "from_time: must not be after to_time"),
        ("", "25:99", "to_time: a time of day written HH:MM (08:00)"),
    ],
)
def test_a_window_is_two_times_of_day(start, end, error):
    with pytest.raises(ValueError, match=error.replace("(", r"\(").replace(")", r"\)")):
        Window.parse(start, end)
    assert Window.parse("08:00", "") == Window(time(8, 0), None)
