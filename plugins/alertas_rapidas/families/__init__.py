"""The registry of alert families: what each family adds to the framework.

A family module `alertas_rapidas.families.<key>` (light: no pandas, no Airflow) exposes `FAMILY`,
a `FamilySpec` naming its typed settings, its SQL files, how the run time becomes SQL parameters,
and its pure transform. Modules are found by key: adding a family adds a module, nothing else here.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from alertas_rapidas.timing import RunTime

_KEY = re.compile(r"^[a-z][a-z0-9_]{1,48}$")


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

    @property
    def templates(self) -> str:
        return self.template_dir or self.key


def known_families() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_"))


def get_family(key: str) -> FamilySpec:
    if not _KEY.match(key) or key not in known_families():
        raise KeyError(f"unknown family {key!r}; known families: {', '.join(known_families())}")
    module_name = f"{__name__}.{key}"
    spec = importlib.import_module(module_name).FAMILY
    if spec.key != key:
        raise KeyError(f"module {module_name} declares family {spec.key!r}, expected {key!r}")
    return spec


def load_transform(spec: FamilySpec) -> Callable[..., Any]:
    module_name, _, function_name = spec.transform.partition(":")
    return getattr(importlib.import_module(module_name), function_name)
