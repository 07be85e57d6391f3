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
    options = RunOptions.from_params(context.get("params"))
    dag_run = context.get("dag_run")
    return resolve_run_time(
        timezone=config.timezone,
        logical_date=context.get("logical_date"),
        run_after=getattr(dag_run, "run_after", None),
        interval=config.schedule.interval,
        run_date=options.run_date,
    )


def run_folder(context: Any) -> Any:
    return run_dir(context["dag"].dag_id, context["run_id"])
