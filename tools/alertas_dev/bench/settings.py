"""What the benchmark measures and against which targets: the family, its run date, the scale targets."""

from __future__ import annotations

from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]


FAMILY = "customer_statements"


DAG_ID = f"alert_{FAMILY}"


RUN_DATE = date(2026, 11, 1)  # statements of October 2026, the last generated month


STATEMENT_MONTH = "October 2026"


DEALERSHIP_TZ = "America/Argentina/Buenos_Aires"


CATALOGUE_SIZE = 41  # alert families the catalogue (CATALOGUE.md) aims at


TARGETS = {
    "wall_s": 600.0,
    "pipeline_vs_raw": 0.9,
    "workers_ratio": 1.8,
    "rss_mib": 512.0,  # every task; flat in the customer count: bench/scale.py compares 10k and 100k
    "dagbag_s": 0.5,  # with 41 DAGs (CATALOGUE_SIZE)
    "extract_s": 10.0,
}
