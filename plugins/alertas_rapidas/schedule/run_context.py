"""What a task needs to know about its run: the run time and the run parameters.

The run parameters are declared once, in `schedule.run_params` (the trigger form's `Param`s and
`RunOptions` both come from there); here they are checked by the engine's own rules when the run
starts (`check_run_options`), and the run's instant and window are worked out (`run_time_of`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from alertas_rapidas.config import FamilyConfig
from alertas_rapidas.schedule.run_params import RunOptions, run_mode
from alertas_rapidas.schedule.run_time import RunTime, resolve_run_time
from alertas_rapidas.schedule.timetables import business_calendar
from alertas_rapidas.storage import run_dir

# `RunOptions` and `run_mode` are declared in `run_params`; tasks and the summary import them here.
__all__ = [
    "RunOptions",
    "check_run_options",
    "recorded_run_time",
    "run_folder",
    "run_mode",
    "run_time_of",
]


def check_run_options(config: FamilyConfig, context: Any) -> RunOptions:
    """The run's parameters, checked by the engine's own rules at the start of the run: a refused
    one fails the task at once (a `ConfigurationError`, not retried) with one line per problem."""
    from alertas_rapidas.task_errors import ConfigurationError

    options = RunOptions.from_params(context.get("params"))
    problems = options.problems(config.allowed_special_domains)
    if problems:
        raise ConfigurationError("; ".join(problems))
    return options


def run_time_of(config: FamilyConfig, context: Any, options: RunOptions | None = None) -> RunTime:
    """The run's instant T and window. T is the end of the run's data interval: Airflow gives a
    scheduled run of an interval timetable the interval's *start* as its logical date."""
    options = options or RunOptions.from_params(context.get("params"))
    dag_run = context.get("dag_run")
    run = resolve_run_time(
        timezone=config.timezone,
        logical_date=context.get("data_interval_end") or context.get("logical_date"),
        run_after=getattr(dag_run, "run_after", None),
        interval=config.schedule.interval,
        run_date=options.run_date,
    )
    calendar = business_calendar(config)
    if calendar is not None:  # the window runs from the previous business-day fire
        start = calendar.previous_fire(run.at).astimezone(run.at.tzinfo)
        run = RunTime(timezone=run.timezone, at=run.at, window_start=start, window_end=run.at)
    return run


def recorded_run_time(config: FamilyConfig, context: Any) -> RunTime:
    """The run time `summarize` records the run under: a `run_date` the first task refused is left
    out (the run stands for its own date), so the failure is still summarised and notified."""
    options = RunOptions.from_params(context.get("params"))
    if options.run_date is not None and any(p.startswith("run_date") for p in options.problems()):
        options = replace(options, run_date=None)
    return run_time_of(config, context, options)


def run_folder(context: Any) -> Any:
    return run_dir(context["dag"].dag_id, context["run_id"])
