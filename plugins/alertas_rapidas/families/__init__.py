"""What each alert family adds to the framework (`FamilyDefinition`), and the Python families.

Which families this deployment has, their files, configs and definitions: `families.registry`.

Most families are configured: their YAML file's `alert:` block is the whole family, and
`alertas_rapidas.engine.family` turns it into a `FamilyDefinition`. A family whose logic is truly
special keeps all its Python in one package, found by its key:

    families/<key>/__init__.py   `FAMILY`, a `FamilyDefinition`: typed settings, SQL files, SQL parameters
                                 (light: imported when DAGs are parsed; no pandas, no Airflow)
    families/<key>/transform.py  `build_plan(frames, settings, run)`, the pure pandas transform
                                 (imported only by the transform task)

Helpers two families share live in `families/_<name>.py` modules, never in a family's package.
The rule a family implements is written once, in its YAML `description`.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from alertas_rapidas.schedule.run_time import RunTime

_KEY = re.compile(r"^[a-z][a-z0-9_]{1,48}$")


@dataclass(frozen=True)
class FamilyDefinition:
    """What makes one family: settings model, extract queries, parameters and transform."""

    key: str
    settings_model: type[BaseModel]
    # Result name -> SQL file under sql/, e.g. {"movements": "customer_statements/movements.sql"}.
    queries: Mapping[str, str]
    # (settings, run time) -> named parameters for every query of the family.
    sql_params: Callable[[Any, RunTime], dict[str, Any]]
    # The pure transform (frames, settings, run time) -> Plan, or its "module:function"; empty for
    # a Python family: `build_plan` of its `transform` module, by convention.
    transform: str | Callable[..., Any] = ""
    # Template folder under include/templates/ (defaults to the key).
    template_dir: str = ""
    # Result name -> connection id, for queries not on the DMS (default `dms_postgres`).
    connections: Mapping[str, str] = field(default_factory=dict)
    # Detail result name -> (parent result name, key column): the detail query is run after its
    # parent with the parent's values of the key column bound as `%(parent_keys)s`.
    parents: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    # Queries run before the others whose one column is bound to them as `%(<name>)s` (an array):
    # values from another database (e.g. the package's own). They are no extract of their own.
    lookups: tuple[str, ...] = ()
    # The transform takes `history=` (sent messages from the ledger: repeat policies).
    reads_history: bool = False
    # Template folders searched before the package's (a family kept in a project of its own).
    template_roots: tuple[str, ...] = ()
    # A key column every extract has (e.g. "customer_id"): the transform is then run on slices of
    # at most `chunk_size` keys of the first query at a time (each slice holding every extract's
    # rows of those keys), so memory stays flat in the number of keys. The transform must treat
    # keys independently. Extracts sorted by the key are read slice by slice (row-group pruning).
    chunk_key: str = ""
    chunk_size: int = 2000

    @property
    def templates(self) -> str:
        return self.template_dir or self.key


def own_queries(key: str, *names: str) -> dict[str, str]:
    """A Python family's own SQL files, by convention `sql/<key>/<name>.sql` per result name."""
    return {name: f"{key}/{name}.sql" for name in names}


def window_params(run: RunTime) -> dict[str, Any]:
    """The run's window `[window_start, window_end)` as SQL parameters."""
    return {"window_start": run.window_start, "window_end": run.window_end}


def known_families() -> list[str]:
    """The Python families: the packages `families/<key>/` (not the registry, not `_` helpers)."""
    return sorted(
        info.name for info in pkgutil.iter_modules(__path__) if info.ispkg and not info.name.startswith("_")
    )


def get_family(key: str) -> FamilyDefinition:
    if not _KEY.match(key) or key not in known_families():
        raise KeyError(f"unknown family {key!r}; known families: {', '.join(known_families())}")
    module_name = f"{__name__}.{key}"
    spec = importlib.import_module(module_name).FAMILY
    if spec.key != key:
        raise KeyError(f"module {module_name} declares family {spec.key!r}, expected {key!r}")
    return spec


def load_transform(spec: FamilyDefinition) -> Callable[..., Any]:
    if callable(spec.transform):
        return spec.transform
    module_name, _, function_name = (
        spec.transform or f"{__name__}.{spec.key}.transform:build_plan"
    ).partition(":")
    return getattr(importlib.import_module(module_name), function_name)
