"""The families this deployment has: one per family file `dags/families/<key>.yaml`.

The one place that lists the families, names each one's config file and DAG file, and loads its
config and its `FamilyDefinition` (whose transform `families.load_transform` imports). A file whose
name starts with `_` (`_defaults.yaml`) is a layer under every family, not a family.

Listing reads file names only (no YAML, no pandas, no Airflow): DAG parsing, the Alertas page and
the CLI call it freely. Loading imports the config models when first asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alertas_rapidas import paths

if TYPE_CHECKING:
    from pydantic import BaseModel

    from alertas_rapidas.config import FamilyConfig
    from alertas_rapidas.families import FamilyDefinition

FAMILY_FILE_SUFFIX = ".yaml"
LAYER_PREFIX = "_"  # `_defaults.yaml`: layered under the families, not one of them
DAG_FILE_PREFIX = "alert_"  # the DAG file of family <key> is `dags/alert_<key>.py`


def families_folder(families_dir: Path | None = None) -> Path:
    """The folder of family files: the one given, else the project's `dags/families/`."""
    return families_dir if families_dir is not None else paths.FAMILIES_DIR


def is_family_file(path: Path) -> bool:
    """Whether a file is a family's config (`<key>.yaml`), not a layer (`_defaults.yaml`)."""
    return path.suffix == FAMILY_FILE_SUFFIX and not path.name.startswith(LAYER_PREFIX)


def family_files(families_dir: Path | None = None) -> list[Path]:
    """The family files of a folder, sorted by key."""
    folder = families_folder(families_dir)
    return sorted(path for path in folder.glob(f"*{FAMILY_FILE_SUFFIX}") if is_family_file(path))


def family_keys(families_dir: Path | None = None) -> list[str]:
    """The keys of the families of a folder, sorted."""
    return [path.stem for path in family_files(families_dir)]


def family_path(key: str, families_dir: Path | None = None) -> Path:
    """The config file of family `key` (whether or not it exists)."""
    return families_folder(families_dir) / f"{key}{FAMILY_FILE_SUFFIX}"


def dag_file_path(key: str, families_dir: Path | None = None) -> Path:
    """The DAG file of family `key`: `dags/alert_<key>.py`, beside the families folder."""
    return families_folder(families_dir).parent / f"{DAG_FILE_PREFIX}{key}.py"


def dag_file_family(dag_file: str | Path) -> tuple[str, Path]:
    """(key, families folder) of a DAG file `<dags>/alert_<key>.py`: its config is
    `<dags>/families/<key>.yaml`."""
    path = Path(dag_file)
    return path.stem.removeprefix(DAG_FILE_PREFIX), path.parent / "families"


def load_config(
    key: str, families_dir: Path | None = None, overrides: Sequence[Any] = ()
) -> tuple[FamilyConfig, BaseModel]:
    """Family `key`'s validated config and typed settings (raises `FamilyConfigError`)."""
    from alertas_rapidas.config import load_family_config

    return load_family_config(family_path(key, families_dir), overrides)


def load_definition(
    key: str, families_dir: Path | None = None, overrides: Sequence[Any] = ()
) -> tuple[FamilyConfig, BaseModel, FamilyDefinition]:
    """Family `key`'s config, settings and the `FamilyDefinition` its runs use."""
    from alertas_rapidas.engine.family import family_for

    config, settings = load_config(key, families_dir, overrides)
    return config, settings, family_for(config)
