"""One registry of families: the family files of `dags/families/` (a `_*.yaml` file is a layer, not
a family), each one's config file and DAG file, and every tool that lists families asks it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from alertas_rapidas.families import registry
from alertas_rapidas.paths import FAMILIES_DIR

ROOT = Path(__file__).resolve().parents[3]
FAMILY = """
key: {key}
title: A registry test family ({key})
audience: internal
description: A family of the registry tests.
schedule: {{cron: "0 8 * * *"}}
alert:
  rows: {{sql: demo/rows.sql}}
  recipients: {{to: [{{addresses: [x@autosur.example.com]}}]}}
  once_per: "demo:{{run_date}}"
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A families folder with two families, the defaults layer, a second layer and other files."""
    families = tmp_path / "dags" / "families"
    families.mkdir(parents=True)
    (families / "_defaults.yaml").write_text("owner: data-team\n")
    (families / "_draft.yaml").write_text(textwrap.dedent(FAMILY.format(key="_draft")))
    for key in ("beta", "alpha"):
        (families / f"{key}.yaml").write_text(textwrap.dedent(FAMILY.format(key=key)))
        (families.parent / f"alert_{key}.py").write_text("# airflow dag\n")
    (families / "notes.txt").write_text("not a family\n")
    (families / "gamma.yml").write_text("not a family: the suffix is .yaml\n")
    return families


def test_the_registry_lists_the_yaml_files_and_never_a_layer(folder):
    assert registry.family_keys(folder) == ["alpha", "beta"]
    assert registry.family_files(folder) == [folder / "alpha.yaml", folder / "beta.yaml"]
    assert not registry.is_family_file(folder / "_defaults.yaml")
    assert not registry.is_family_file(folder / "_draft.yaml")


def test_the_registry_agrees_with_the_package_folder_and_its_dag_files():
    on_disk = sorted(path.stem for path in FAMILIES_DIR.glob("*.yaml") if not path.name.startswith("_"))
    assert registry.family_keys() == on_disk and len(on_disk) >= 40
    for key in on_disk:
        assert registry.family_path(key) == FAMILIES_DIR / f"{key}.yaml"
        assert registry.dag_file_path(key).is_file(), key
        assert registry.dag_file_family(registry.dag_file_path(key)) == (key, FAMILIES_DIR)


def test_a_family_loads_with_its_definition_by_key(folder):
    config, settings, definition = registry.load_definition("alpha", folder)
    assert (config.key, config.source, definition.key) == ("alpha", folder / "alpha.yaml", "alpha")
    assert registry.load_config("alpha", folder)[0] == config
    assert type(settings).__name__ == definition.settings_model.__name__ == "alpha_settings"


def test_every_lister_asks_the_registry(folder, monkeypatch):
    from alertas_rapidas import ops, paths
    from alertas_rapidas.authoring import families_table, validate
    from alertas_rapidas.authoring.preview import PreviewError, _load
    from alertas_rapidas.transforms.alerts_health import enabled_families
    from alertas_rapidas.ui import families as ui_families

    assert [p.stem for p in validate.family_files(folder)] == ["alpha", "beta"]  # not _draft
    assert [p.stem for p in families_table.family_files(folder)] == ["alpha", "beta"]
    assert sorted(enabled_families(folder)) == ["alpha", "beta"]
    with pytest.raises(PreviewError, match="known families: alpha, beta$"):
        _load("_draft", folder)
    monkeypatch.setattr(paths, "FAMILIES_DIR", folder)  # the page and the CLI read the project's
    assert ui_families.family_keys() == ["alpha", "beta"]
    assert [info.key for info in ui_families.families()] == ["alpha", "beta"]
    assert ops._check_family("alpha") is None
    assert ops._check_family("_draft") is not None and ops._check_family("_defaults") is not None


def test_listing_the_families_imports_no_config_models_pandas_or_airflow():
    probe = (
        "import sys, json\n"
        "from alertas_rapidas.families.registry import family_keys\n"
        "assert family_keys()\n"
        "print(json.dumps(sorted(m for m in ('pandas', 'pyarrow', 'airflow', 'yaml',"
        " 'alertas_rapidas.config') if m in sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "plugins")},
        timeout=120,
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
