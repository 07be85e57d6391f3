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
    "pipeline_vs_raw": 0.85,
    "workers_ratio": 1.7,
    "branding_ratio": 1.05,  # a branded statement (logo and letterhead) against a bare one
    "rss_mib": 512.0,  # every task; flat in the customer count: bench/scale.py compares 10k and 100k
    "dagbag_s": 0.5,  # with 41 DAGs (CATALOGUE_SIZE)
    "extract_s": 10.0,
}


def sample_statement(movements: int = 6) -> dict[str, object]:
    """One customer's statement context, as the transform builds it (a local-currency section with
    `movements` movements and a foreign one): what `branding_cost` draws."""
    rows = [
        {"date": f"2026-10-{day:02d}", "description": f"Factura A 0001-{day:08d}", "debit": 12_345_600,
         "credit": 0, "balance": 100_000_000 + day * 12_345_600}
        for day in range(1, movements + 1)
    ]  # fmt: skip
    return {
        "dealership": {"name": "Autosur S.A.", "tax_id": "30-71234567-8", "branch": "Casa Central"},
        "customer": {"code": "C001", "legal_name": "Transportes del Sur S.R.L.", "tax_id": "30-70000001-5"},
        "period": {"start": "2026-10-01", "last_day": "2026-10-31"},
        "sections": [
            {"currency": "ARS", "kind": "local", "opening": 100_000_000,
             "debit_total": 12_345_600 * movements, "credit_total": 0, "closing": rows[-1]["balance"],
             "movements": rows},
            {"currency": "USD", "kind": "foreign", "opening": 0, "debit_total": 1_500_000, "credit_total": 0,
             "closing": 1_500_000, "movements": [
                 {"date": "2026-10-10", "description": "Factura E 0003-00000077", "debit": 1_500_000,
                  "credit": 0, "balance": 1_500_000}]},
        ],
    }  # fmt: skip
