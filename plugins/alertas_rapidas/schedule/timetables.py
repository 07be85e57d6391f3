"""A family's schedule: its timetable, built from its config in one place, and the words for it.

`family_timetable(config)` is the timetable the family's DAG runs on (its cron, on business days
only when `schedule.business_days`; missed fires dropped unless `schedule.catch_up_last_missed`,
`alertas_rapidas.schedule.missed_fires`). The run's window (`run_context`), the health report's
"which families were due" (`transforms/alerts_health`) and the docs' family table read the same
timetable. The texts below are every way the package describes a schedule to people.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alertas_rapidas.config import FamilyConfig
    from alertas_rapidas.schedule.business_days import BusinessDaysTimetable
    from alertas_rapidas.schedule.dealership_cron import DealershipCronTimetable


def family_timetable(config: FamilyConfig) -> DealershipCronTimetable | BusinessDaysTimetable:
    """The family's timetable, as its DAG schedules it."""
    schedule = config.schedule
    if schedule.business_days:
        from alertas_rapidas.schedule.business_days import BusinessDaysTimetable

        return BusinessDaysTimetable(
            schedule.cron,
            config.timezone,
            extra_holidays=schedule.extra_holidays,
            catch_up_last_missed=schedule.catch_up_last_missed,
        )
    from alertas_rapidas.schedule.dealership_cron import DealershipCronTimetable

    return DealershipCronTimetable(
        schedule.cron,
        timezone=config.timezone,
        interval=schedule.interval or timedelta(0),
        catch_up_last_missed=schedule.catch_up_last_missed,
    )


def business_calendar(config: FamilyConfig) -> BusinessDaysTimetable | None:
    """The family's business-days timetable when it runs on business days only, else None."""
    if not config.schedule.business_days:
        return None  # no cron timetable built for nothing
    from alertas_rapidas.schedule.business_days import BusinessDaysTimetable

    timetable = family_timetable(config)
    return timetable if isinstance(timetable, BusinessDaysTimetable) else None


# -- how the package describes a schedule ---------------------------------------------------------


def schedule_text(config: FamilyConfig) -> str:
    """The DAG's description: cron and time zone (its local time, not UTC)."""
    days = ", business days only" if config.schedule.business_days else ""
    return f"cron {config.schedule.cron} in {config.timezone}{days}"


def schedule_label(config: FamilyConfig) -> str:
    """The short form a report row shows: the cron, and "business days" when it says so."""
    schedule = config.schedule
    return schedule.cron + (" (business days)" if schedule.business_days else "")


def window_text(config: FamilyConfig) -> str:
    """What a run reads, as the DAG's documentation says it."""
    if config.schedule.business_days:
        return "data window `[previous business-day run, T)`; business days only (Argentine holidays)"
    interval = config.schedule.interval
    return f"data window `[T - {interval}, T)`" if interval else "the run's instant T"


def missed_fires_text(config: FamilyConfig) -> str:
    """What becomes of the fires missed while the DAG was paused."""
    if config.schedule.catch_up_last_missed:
        return "the latest one runs as soon as the DAG is unpaused (`schedule.catch_up_last_missed`)"
    return "dropped: after unpausing, the first scheduled run is the next fire"


def schedule_description(config: FamilyConfig) -> str:
    """The schedule in words, as the docs' family table shows it (e.g. "At 08:00, on day 1 of the
    month (`0 8 1 * *`)"; with an interval, the window it reads)."""
    from alertas_rapidas.schedule.business_days import BusinessDaysTimetable

    timetable = family_timetable(config)
    if isinstance(timetable, BusinessDaysTimetable):
        return timetable.description
    schedule = config.schedule
    text = f"{timetable.cron_description or schedule.cron} (`{schedule.cron}`)"
    if schedule.interval:
        minutes = int(schedule.interval.total_seconds() // 60)
        window = f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"
        text += f"; reads `[T − {window}, T)`"
    return text
