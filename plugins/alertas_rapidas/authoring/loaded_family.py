"""A family file that loaded, as `validate`'s checks read it, and where its templates are."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from alertas_rapidas.config import FamilyConfig
from alertas_rapidas.families import FamilyDefinition
from alertas_rapidas.paths import TEMPLATES_DIR
from alertas_rapidas.schedule.run_time import RunTime

TEMPLATE_SUFFIXES = (".html", ".txt", ".xml")


@dataclass(frozen=True)
class LoadedFamily:
    """A family file that loaded, with what the other checks need."""

    path: Path
    config: FamilyConfig
    settings: BaseModel
    family: FamilyDefinition
    run: RunTime
    params: dict[str, Any]


def template_roots(family: FamilyDefinition, templates_dir: Path = TEMPLATES_DIR) -> list[Path]:
    """Where the renderer looks for a family's templates, in order: a family kept in a project of
    its own has its project's folder first, then the package's."""
    return [*(Path(root) for root in getattr(family, "template_roots", ())), templates_dir]
