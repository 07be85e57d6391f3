"""Family files written by tests: a minimal customer-statements family, the `dags/families` folder
of a temporary project, and YAML written or edited in place."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml


def statements_family(key: str = "statements_test", **extra: Any) -> dict[str, Any]:
    """The smallest valid `customer_statements` family file, with `extra` top-level fields."""
    return {
        "key": key,
        "family": "customer_statements",
        "title": "Statements for tests",
        "audience": "customers",
        "description": "A family file written by a unit test.",
        "schedule": {"cron": "0 8 1 * *"},
        **extra,
    }


def families_folder(root: Path) -> Path:
    """`root`/dags/families, created."""
    folder = root / "dags" / "families"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_yaml(path: Path, data: Any) -> Path:
    """`data` as YAML at `path` (keys in their order, text as is); a str is written unchanged."""
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def edit_yaml(path: Path, change: Callable[[Any], None]) -> None:
    """Load the YAML at `path`, let `change` edit it in place, write it back."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    write_yaml(path, data)


def refusal(path: Path, data: Any) -> str:
    """Write `data` to `path` and load it as a family config, which must refuse it: the message."""
    import pytest

    from alertas_rapidas.config import FamilyConfigError, load_family_config

    write_yaml(path, data)
    with pytest.raises(FamilyConfigError) as refused:
        load_family_config(path)
    return str(refused.value)


def copy_family(root: Path, family: str) -> tuple[Path, Path, Path]:
    """A copy of one configured family (its file and `_defaults.yaml`, its SQL with the engine's,
    its templates with the shared layouts) in `root`'s families, sql and templates folders."""
    import shutil

    from alertas_rapidas.paths import FAMILIES_DIR, SQL_DIR, TEMPLATES_DIR

    families, sql, templates = root / "families", root / "sql", root / "templates"
    families.mkdir()
    for name in ("_defaults.yaml", f"{family}.yaml"):
        shutil.copy(FAMILIES_DIR / name, families / name)
    for folder in (family, "_engine"):
        shutil.copytree(SQL_DIR / folder, sql / folder)
    for folder in [family, *(p.name for p in TEMPLATES_DIR.glob("_*"))]:  # with the shared layouts
        shutil.copytree(TEMPLATES_DIR / folder, templates / folder)
    return families, sql, templates
