"""Where the package finds its SQL, templates and family configs: the project's own folders.

The project root is the folder holding `dags/`, `plugins/`, `include/` and `sql/` (the Astro
layout). It is found from this file's location, so the same code works in a checkout, an editable
install and the docker image (where the folders are mounted side by side under /opt/airflow).
Where runs write their files is `storage.py`'s.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(os.environ.get("ALERTAS_PROJECT_ROOT") or Path(__file__).resolve().parents[2])
SQL_DIR = PROJECT_ROOT / "sql"
TEMPLATES_DIR = PROJECT_ROOT / "include" / "templates"
FAMILIES_DIR = PROJECT_ROOT / "dags" / "families"
