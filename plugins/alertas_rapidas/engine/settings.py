"""Declared settings of a configured family: `alert.settings` says each setting's type, default
and limits; the family's `settings:` block gives values. The declaration becomes a Pydantic model,
so a bad value is reported like any other field (`settings.days: must be >= 1 (given: 0)`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, EmailStr, Field, create_model, model_validator

from alertas_rapidas.families._common import EmployeeRole
from alertas_rapidas.models import StrictModel

SettingType = Literal[
    "int",
    "number",
    "text",
    "bool",
    "date",
    "dates",
    "duration",
    "choice",
    "choices",
    "role",
    "roles",
    "email",
    "emails",
    "text_by_language",
    "ints",
    "int_by_key",
]


class TextByLanguage(StrictModel):
    """A text in Spanish and English (the mail's language picks one)."""

    es: str = Field(min_length=1, max_length=2000, description="the Spanish text")
    en: str = Field(min_length=1, max_length=2000, description="the English text")


_PYTHON_TYPES: dict[str, Any] = {
    "int": int,
    "number": float,
    "text": str,
    "bool": bool,
    "date": date,
    "dates": list[date],
    "duration": timedelta,
    "role": EmployeeRole,
    "roles": list[EmployeeRole],
    "email": EmailStr,
    "emails": list[EmailStr],
    "text_by_language": TextByLanguage,
    "ints": list[int],
    "int_by_key": dict[str, int],
}

_LISTS = ("dates", "roles", "emails", "ints", "choices")


class SettingSpec(StrictModel):
    """One declared setting: `{type: int, default: 7, min: 1, max: 365, description: ...}`;
    a list (`choices`, `dates`, `ints`, ...) may ask for `min_items` (e.g. at least one format).
    `int_by_key` maps names to whole numbers (`{ordered: 60, arrived: 7}`); SQL gets it as jsonb."""

    type: SettingType = Field(description="what kind of value the setting holds (see the setting types)")
    default: Any = Field(
        default=None,
        description="the value when the family file gives none; without it the setting must be given "
        "(a list setting then defaults to `[]`)",
    )
    description: str = Field(default="", max_length=400, description="what the setting means")
    min: float | None = Field(default=None, description="the lowest value (int, number; ints: each item)")
    max: float | None = Field(default=None, description="the highest value (int, number; ints: each item)")
    choices: list[str] | None = Field(
        default=None, description="the allowed values of a `choice` or `choices` setting"
    )
    min_items: int | None = Field(default=None, ge=1, description="a list setting's fewest items")

    @model_validator(mode="after")
    def _coherent(self) -> SettingSpec:
        if self.type in ("choice", "choices") and not self.choices:
            raise ValueError(f"a {self.type!r} setting needs `choices`, e.g. choices: [xlsx, pdf]")
        if self.choices and self.type not in ("choice", "choices"):
            raise ValueError("`choices` is only for settings of type choice or choices")
        if (self.min is not None or self.max is not None) and self.type not in (
            "int",
            "number",
            "ints",
            "int_by_key",
        ):
            raise ValueError("`min`/`max` are only for settings of type int, number, ints or int_by_key")
        if self.min_items is not None and self.type not in _LISTS:
            raise ValueError(f"`min_items` is only for list settings ({', '.join(_LISTS)})")
        return self

    def annotation(self) -> Any:
        if self.type == "choice":
            return Literal[tuple(self.choices or ())]
        if self.type == "choices":
            return list[Literal[tuple(self.choices or ())]]  # type: ignore[misc]  # built at run time
        if self.type == "ints":  # the limits apply to each item
            return list[Annotated[int, Field(ge=self.min, le=self.max)]]
        if self.type == "int_by_key":  # the limits apply to each value
            return dict[str, Annotated[int, Field(ge=self.min, le=self.max)]]
        return _PYTHON_TYPES[self.type]

    def field(self) -> Any:
        limits: dict[str, Any] = {}
        if self.type in ("int", "number"):
            if self.min is not None:
                limits["ge"] = self.min
            if self.max is not None:
                limits["le"] = self.max
        if self.min_items is not None:
            limits["min_length"] = self.min_items
        required = self.default is None and self.type not in _LISTS
        if required:
            return (self.annotation(), Field(..., description=self.description, **limits))
        default = self.default if self.default is not None else []
        return (self.annotation(), Field(default=default, description=self.description, **limits))


def settings_model(name: str, declared: dict[str, SettingSpec]) -> type[BaseModel]:
    """A frozen Pydantic model with one field per declared setting; unknown settings refused."""
    fields = {key: spec.field() for key, spec in declared.items()}
    return create_model(
        f"{name}_settings",
        __base__=StrictModel,
        **fields,
    )


def sql_value(value: Any) -> Any:
    """A setting as a bound SQL parameter: lists stay lists (arrays), texts by language and other
    structures become JSON (`%(name)s::jsonb`)."""
    from psycopg.types.json import Jsonb

    if isinstance(value, BaseModel):
        return Jsonb(value.model_dump(mode="json"))
    if isinstance(value, dict):
        return Jsonb(value)
    return value
