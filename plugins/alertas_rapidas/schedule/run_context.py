"""What a task needs to know about its run: the run time and the run parameters.

The run parameters are checked twice: when the run is created, by the JSON schema of their
`Param` (`dag_factory.run_params`, built from the patterns here: a refused value is an HTTP 400
before any task starts), and at the start of the run's first task, by the rules the engine itself
applies (`check_run_options`: the address through email-validator as for any recipient, the date
as a real calendar date), which fail the task on its first try with one line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from alertas_rapidas.config import FamilyConfig
from alertas_rapidas.schedule.run_time import RunTime, resolve_run_time
from alertas_rapidas.storage import run_dir

# A date written YYYY-MM-DD only: `format: date` would make the trigger form a date picker, and an
# en-US picker reads 01/11/2026 as 11 January.
RUN_DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# One address: no blank, comma or semicolon (a typo such as `pruebas@example,com`, or a list), a
# domain with a dot and no underscore. JSON schema's `format: email` only asks for an "@"; the
# engine's validator (email-validator) checks the rest when the run starts.
REDIRECT_TO_PATTERN = r"^[^@\s,;]+@[^@\s,;_]+\.[^@\s,;_.]+$"
REDIRECT_EXAMPLE = "pruebas@concesionaria.com.ar"


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

    @property
    def mode(self) -> str:
        """`dry run`, `redirected` or `normal`: how the run list, `ops runs` and the page name it."""
        return run_mode(dry_run=self.dry_run, redirected=bool(self.redirect_to))

    def problems(self, allowed_special_domains: Iterable[str] = ()) -> list[str]:
        """One line per parameter the engine refuses (no address in it); empty when all is well."""
        import re

        from alertas_rapidas.recipients import allowing_special_domains, check_address

        found = []
        if self.redirect_to is not None:
            with allowing_special_domains(allowed_special_domains):
                _address, reason = check_address(self.redirect_to)
            if not re.fullmatch(REDIRECT_TO_PATTERN, self.redirect_to):
                reason = reason or "malformed_email"
            if reason:
                # no example address here: causes are stored with every address masked
                found.append(
                    f"redirect_to is not an address the mail engine accepts ({reason}): "
                    "give exactly one address, with no comma, semicolon or blank"
                )
        if self.run_date is not None:
            try:
                if not re.fullmatch(RUN_DATE_PATTERN, self.run_date):
                    raise ValueError
                date.fromisoformat(self.run_date)
            except ValueError:
                found.append(
                    f"run_date {self.run_date!r} is not a date written YYYY-MM-DD "
                    "(1 November 2026 is 2026-11-01)"
                )
        return found


def run_mode(*, dry_run: bool, redirected: bool) -> str:
    """The one name of a run's mode (a dry run that also names an address sends nothing: dry run)."""
    if dry_run:
        return "dry run"
    return "redirected" if redirected else "normal"


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
    if config.schedule.business_days:
        from alertas_rapidas.schedule.business_days import BusinessDaysTimetable

        calendar = BusinessDaysTimetable(
            config.schedule.cron, config.timezone, extra_holidays=config.schedule.extra_holidays
        )
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
