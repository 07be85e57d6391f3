"""The run's time, in the dealership's time zone: never the wall clock.

A scheduled run has a logical date T (Airflow 3's `CronTriggerTimetable`: T is the scheduled
instant) and, for interval families, the data interval `[T - interval, T)`. A manual run may have
no logical date: then `run_after` is used, or the `run_date` run parameter when given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class RunTime:
    """The instant a run stands for, its calendar date and its data window, all tz-aware."""

    timezone: str
    at: datetime
    window_start: datetime
    window_end: datetime

    @property
    def run_date(self) -> date:
        return self.at.date()

    def calendar_values(self) -> dict[str, str | int]:
        """The run date's ISO week ("2026-W45"), month ("2026-11") and year (2026): the one place
        keys, templates and SQL parameters get them from."""
        day = self.run_date
        year, week, _ = day.isocalendar()
        return {"iso_week": f"{year}-W{week:02d}", "month": day.strftime("%Y-%m"), "year": day.year}

    def to_dict(self) -> dict[str, str]:
        return {
            "timezone": self.timezone,
            "at": self.at.isoformat(),
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> RunTime:
        return cls(
            timezone=data["timezone"],
            at=datetime.fromisoformat(data["at"]),
            window_start=datetime.fromisoformat(data["window_start"]),
            window_end=datetime.fromisoformat(data["window_end"]),
        )


def resolve_run_time(
    *,
    timezone: str,
    logical_date: datetime | None,
    run_after: datetime | None,
    interval: timedelta | None,
    run_date: str | date | None = None,
) -> RunTime:
    """Work out the run's instant and window.

    `run_date` (a manual override, `YYYY-MM-DD`) stands for that day at 00:00 local time plus the
    time of day of the other inputs, so a manual run for a past day reproduces that day's run.
    """
    zone = ZoneInfo(timezone)
    base = logical_date or run_after
    if base is None:
        raise ValueError("a run needs a logical date or a run_after instant")
    at = _aware(base).astimezone(zone)
    if run_date:
        day = run_date if isinstance(run_date, date) else date.fromisoformat(str(run_date))
        at = datetime.combine(day, time(at.hour, at.minute), tzinfo=zone)
    # Elapsed time, not wall-clock time: across a DST change a 1 h window still lasts 1 h.
    start = (at.astimezone(UTC) - interval).astimezone(zone) if interval else at
    return RunTime(timezone=timezone, at=at, window_start=start, window_end=at)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value.isoformat()} given where a tz-aware one is needed")
    return value


def month_start(day: date) -> date:
    return day.replace(day=1)


def previous_month_start(day: date) -> date:
    first = month_start(day)
    return month_start(first - timedelta(days=1))


def next_month_start(day: date) -> date:
    return month_start(month_start(day) + timedelta(days=32))
