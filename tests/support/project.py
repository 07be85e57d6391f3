"""A project folder of its own for a test: alert files written from text, and its DAGs as a DAG
bundle beside the package's (dag.test() serializes the DAGs of the configured bundles)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any


def write_files(root: Path, files: dict[str, str]) -> Path:
    """Write each `relative path: text` under `root` (text dedented); return `root`."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root


def bundle_dagbag(dags_folder: Path, monkeypatch: Any) -> Any:
    """The DagBag of `dags_folder`, configured as a DAG bundle beside the package's."""
    from airflow.dag_processing.dagbag import DagBag

    local = "airflow.dag_processing.bundles.local.LocalDagBundle"
    bundles = [
        {"name": "dags-folder", "classpath": local, "kwargs": {}},
        {"name": "alert-project", "classpath": local, "kwargs": {"path": str(dags_folder)}},
    ]
    monkeypatch.setenv("AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST", json.dumps(bundles))
    return DagBag(dag_folder=str(dags_folder))
