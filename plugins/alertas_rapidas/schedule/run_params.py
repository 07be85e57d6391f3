"""The run parameters, declared once: the fields of `RunOptions`.

Each field carries what the trigger form shows (title, description) and its JSON schema; the
Airflow `Param`s every alert DAG declares (`run_params`) and the reading of a run's params
(`RunOptions.from_params`) both come from these fields, so a parameter added here is in the form
and in the run alike.

The run parameters are checked twice: when the run is created, by the JSON schema of their
`Param` (a refused value is an HTTP 400 before any task starts), and at the start of the run's
first task, by the rules the engine itself applies (`RunOptions.problems`: the address through
email-validator as for any recipient, the date as a real calendar date), which fail the task on
its first try with one line (`run_context.check_run_options`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow.sdk import Param

# A date written YYYY-MM-DD only: `format: date` would make the trigger form a date picker, and an
# en-US picker reads 01/11/2026 as 11 January.
RUN_DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# One address: no blank, comma or semicolon (a typo such as `pruebas@example,com`, or a list), a
# domain with a dot and no underscore. JSON schema's `format: email` only asks for an "@"; the
# engine's validator (email-validator) checks the rest when the run starts.
REDIRECT_TO_PATTERN = r"^[^@\s,;]+@[^@\s,;_]+\.[^@\s,;_.]+$"
REDIRECT_EXAMPLE = "pruebas@concesionaria.com.ar"


def run_parameter(default: bool | None, *, title: str, description: str, **schema: Any) -> Any:
    """A run parameter: a `RunOptions` field whose metadata is its form entry. A flag (default
    False) is a JSON boolean; an optional text (default None) is null or a string."""
    kind: Any = "boolean" if isinstance(default, bool) else ["null", "string"]
    form = {"type": kind, **schema, "title": title, "description": description}
    return dataclasses.field(default=default, metadata={"form": form})


@dataclasses.dataclass(frozen=True)
class RunOptions:
    """The run parameters shown in the trigger form."""

    dry_run: bool = run_parameter(
        False,
        title="Dry run",
        description="Render every message and write .eml files to the run folder; send "
        "nothing and leave the ledger untouched.",
    )
    force_resend: bool = run_parameter(
        False,
        title="Force resend",
        description="Deliberately send again messages the ledger holds as sent or failed.",
    )
    resend_unknown: bool = run_parameter(
        False,
        title="Resend unknown",
        description="Send again messages whose outcome is unknown (connection lost after DATA).",
    )
    redirect_to: str | None = run_parameter(
        None,
        pattern=REDIRECT_TO_PATTERN,
        maxLength=254,
        title="Redirect to",
        description=f"Send every message to this one test address (e.g. {REDIRECT_EXAMPLE}) "
        "instead; the ledger is neither read nor written. One address: no comma, semicolon or "
        "blank. Checked again when the run starts, as the engine checks any recipient.",
    )
    run_date: str | None = run_parameter(
        None,
        pattern=RUN_DATE_PATTERN,
        title="Run date (YYYY-MM-DD)",
        description="For a manual run: the dealership-local date the run stands for, written "
        "YYYY-MM-DD: 1 November 2026 is 2026-11-01 (01/11/2026 is refused). Empty: the run's "
        "logical date, or when it has none, its run-after time.",
    )

    @classmethod
    def from_params(cls, params: Any) -> RunOptions:
        """The options a run's params hold: a flag as a bool, an empty text as None."""
        get = params.get if params is not None else (lambda _name, default=None: default)
        values: dict[str, Any] = {}
        for option in dataclasses.fields(cls):
            if isinstance(option.default, bool):
                values[option.name] = bool(get(option.name, option.default))
            else:
                values[option.name] = get(option.name) or None
        return cls(**values)

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


def run_param_names(options: type[RunOptions] = RunOptions) -> list[str]:
    """The run parameters' names, in the form's order."""
    return [option.name for option in dataclasses.fields(options)]


def run_params(options: type[RunOptions] = RunOptions) -> dict[str, Param]:
    """The run parameters every alert DAG shows in its trigger form, as Airflow `Param`s: one per
    field of `options`, its default the field's."""
    from airflow.sdk import Param

    return {
        option.name: Param(option.default, **option.metadata["form"])
        for option in dataclasses.fields(options)
    }


def run_mode(*, dry_run: bool, redirected: bool) -> str:
    """The one name of a run's mode (a dry run that also names an address sends nothing: dry run)."""
    if dry_run:
        return "dry run"
    return "redirected" if redirected else "normal"
