"""What a task needs to know about its run: the run time and the run parameters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from alertas_rapidas.config import FamilyConfig
from alertas_rapidas.paths import run_dir
from alertas_rapidas.timing import RunTime, resolve_run_time


@dataclass(frozen=True)
class RunOptions:
    """The run parameters shown in the trigger form."""

    dry_run: bool = False
    force_resend: bool = False
    resend_unknown: bool = False
    redirect_to: str | None = None
    run_date: str | None = None

    @classmethod
    def from_params(cls, params: Any) -> RunOptions:
        get = params.get if params is not None else (lambda _name, default=None: default)
        return cls(
            dry_run=bool(get("dry_run", False)),
            force_resend=bool(get("force_resend", False)),
            resend_unknown=bool(get("resend_unknown", False)),
            redirect_to=(get("redirect_to") or None),
            run_date=(get("run_date") or None),
        )


def run_time_of(config: FamilyConfig, context: Any) -> RunTime:
    """The run's instant T and window. T is the end of the run's data interval: Airflow gives a
    scheduled run of an interval timetable the interval's *start* as its logical date."""
    options = RunOptions.from_params(context.get("params"))
    dag_run = context.get("dag_run")
    run = resolve_run_time(
        timezone=config.timezone,
        logical_date=context.get("data_interval_end") or context.get("logical_date"),
        run_after=getattr(dag_run, "run_after", None),
        interval=config.schedule.interval,
        run_date=options.run_date,
    )
    if config.schedule.business_days:
        from alertas_rapidas.business_days import BusinessDaysTimetable

        calendar = BusinessDaysTimetable(
            config.schedule.cron, config.timezone, extra_holidays=config.schedule.extra_holidays
        )
        start = calendar.previous_fire(run.at).astimezone(run.at.tzinfo)
        run = RunTime(timezone=run.timezone, at=run.at, window_start=start, window_end=run.at)
    return run


def run_folder(context: Any) -> Any:
    return run_dir(context["dag"].dag_id, context["run_id"])
