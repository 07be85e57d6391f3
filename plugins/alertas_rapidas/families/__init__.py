"""The registry of alert families: what each family adds to the framework.

A family module (light: no pandas, no Airflow) exposes `FAMILY`, a `FamilySpec` naming its typed
settings, its SQL files, how the run time becomes SQL parameters, and its pure transform.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from alertas_rapidas.timing import RunTime

FAMILY_MODULES: dict[str, str] = {
    "customer_statements": "alertas_rapidas.families.customer_statements",
}


@dataclass(frozen=True)
class FamilySpec:
    """What makes one family: settings model, extract queries, parameters and transform."""

    key: str
    settings_model: type[BaseModel]
    # Result name -> SQL file under sql/, e.g. {"movements": "customer_statements/movements.sql"}.
    queries: Mapping[str, str]
    # (settings, run time) -> named parameters for every query of the family.
    sql_params: Callable[[Any, RunTime], dict[str, Any]]
    # "module:function" of the pure transform: (frames, settings, run time) -> Plan.
    transform: str
    # Template folder under include/templates/ (defaults to the key).
    template_dir: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def templates(self) -> str:
        return self.template_dir or self.key


def get_family(key: str) -> FamilySpec:
    module_name = FAMILY_MODULES.get(key)
    if module_name is None:
        known = ", ".join(sorted(FAMILY_MODULES))
        raise KeyError(f"unknown family {key!r}; known families: {known}")
    spec = importlib.import_module(module_name).FAMILY
    if spec.key != key:
        raise KeyError(f"module {module_name} declares family {spec.key!r}, expected {key!r}")
    return spec


def load_transform(spec: FamilySpec) -> Callable[..., Any]:
    module_name, _, function_name = spec.transform.partition(":")
    return getattr(importlib.import_module(module_name), function_name)
