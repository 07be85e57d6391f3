"""A family's runs on a day: the instants its cron fires on a date (or the one a manual run for a
date stands for) and the run a scheduled fire makes. The preview, `validate` and the Alertas page
count and plan a day's runs with these."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from alertas_rapidas.schedule.run_time import RunTime
from alertas_rapidas.schedule.timetables import business_calendar

if TYPE_CHECKING:
    from alertas_rapidas.config import FamilyConfig


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


def day_instants(
    config: FamilyConfig, day: date, start: time | None = None, end: time | None = None
) -> list[datetime]:
    """Every instant the family's cron fires on `day` in its time zone, oldest first; only those
    in [start, end] when given. A day it does not fire on stands for one run at its last fire time
    (`scheduled_instant`), as a manual run for that date does."""
    from croniter import croniter

    zone = ZoneInfo(config.timezone)
    day_start = datetime.combine(day, time(0), tzinfo=zone)
    next_day = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    fires: list[datetime] = []
    cursor = croniter(config.schedule.cron, day_start - timedelta(seconds=1))
    while (fire := cursor.get_next(datetime).astimezone(zone)) < next_day:
        fires.append(fire)
    fires = fires or [scheduled_instant(config, day)]
    low = start or time(0)
    high = end or time(23, 59, 59)
    return [fire for fire in fires if low <= fire.time() <= high]


def runs_per_day(config: FamilyConfig, day: date) -> int:
    """How many runs the schedule makes on `day` (1 for a day it does not fire on)."""
    return len(day_instants(config, day))


def run_for(config: FamilyConfig, at: datetime) -> RunTime:
    """The run a scheduled run at `at` would have: its window from the interval or business days."""
    from alertas_rapidas.schedule.run_context import run_time_of

    return run_time_of(config, {"data_interval_end": at, "params": {}})


def next_fire(config: FamilyConfig, now: datetime | None = None) -> datetime:
    """The family's next scheduled instant after `now`, in its time zone (business days honoured)."""
    from croniter import croniter

    zone = ZoneInfo(config.timezone)
    cursor = croniter(config.schedule.cron, (now or datetime.now(zone)).astimezone(zone))
    fire = cursor.get_next(datetime).astimezone(zone)
    if config.schedule.business_days:
        calendar = business_calendar(config)
        assert calendar is not None  # business_days is set
        for _ in range(400):
            if calendar.is_business_day(fire.date()):
                break
            fire = cursor.get_next(datetime).astimezone(zone)
    return fire
