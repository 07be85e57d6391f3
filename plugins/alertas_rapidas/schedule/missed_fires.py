"""What a family's schedule does with the fires it missed: by default, nothing.

Airflow's cron timetables with `catchup=False` still create the **latest** missed run at once:
unpausing a monthly family on the 15th sends the statements of the 1st right away, and a paused
family whose "Unpause on trigger" box was left ticked sends its last scheduled run beside the dry
run that was asked for. Both of the package's timetables (`DealershipCronTimetable`,
`BusinessDaysTimetable`) instead make the first scheduled run after a pause the **next** fire.

One allowance: a fire at most `LATE_FIRE_GRACE` old still runs. Airflow recomputes a DAG's next
run each time it parses the file, and that may happen a moment after a fire, before the scheduler
created its run; a scheduler restarting at 08:00 must not drop the 08:00 run either. A family that
wants the latest missed run anyway sets `schedule.catch_up_last_missed: true` (Airflow's rule).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

LATE_FIRE_GRACE = timedelta(minutes=5)

Instant = TypeVar("Instant", bound=datetime)


def first_fire_without_catch_up(
    *,
    now: Instant,
    fire_at_or_after: Callable[[Instant], Instant],
    fire_after: Callable[[Instant], Instant],
    last_fire: Instant | None,
    earliest: Instant | None,
) -> Instant:
    """The fire the next scheduled run stands for, when missed fires are not caught up.

    :param now: the current instant.
    :param fire_at_or_after: the schedule's first fire at or after an instant.
    :param fire_after: the schedule's first fire strictly after an instant.
    :param last_fire: the fire of the latest scheduled run (its data interval's end), if any.
    :param earliest: the DAG's start date, if any.
    """
    candidates = [fire_at_or_after(now - LATE_FIRE_GRACE)]
    if last_fire is not None:
        candidates.append(fire_after(last_fire))
    if earliest is not None:
        candidates.append(fire_at_or_after(earliest))
    return max(candidates)
