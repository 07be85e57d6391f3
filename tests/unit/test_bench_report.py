"""The benchmark report's CPU budget row: what pipeline / raw >= 0.9 leaves beside the PDFs."""

from __future__ import annotations

import pytest

from alertas_dev.bench.report import cpu_budget


def run(workers: int, cpu: float, wall: float) -> dict:
    return {
        "workers": workers,
        "process_wall": wall,
        "cpu_s": {"task processes": cpu * 0.9, "other": cpu * 0.1},
    }


def test_the_budget_is_a_ninth_of_the_pdfs_cpu_and_counts_idle_cores():
    # 2 processes drew every PDF in 200 s: 400 core-s. At 0.9 the wall may be 222.2 s, 444.4 core-s.
    raw = {"raw_2": {"seconds": 200.0}}
    [row] = cpu_budget([run(1, 430.0, 430.0), run(2, 450.0, 230.0)], raw, cores=2)
    assert "2 worker(s)" in row and "400 core-s" in row
    assert "| 50 + 10 core-s against 44 |" in row  # 450 - 400 beside, 460 - 450 idle


@pytest.mark.parametrize(
    ("runs", "raw"),
    [
        ([run(1, 430.0, 430.0)], {"raw_2": {"seconds": 200.0}}),  # no run on every core
        ([run(2, 450.0, 230.0)], {"raw_1": {"seconds": 400.0}}),  # no raw floor on every core
        ([{"workers": 2, "process_wall": 230.0}], {"raw_2": {"seconds": 200.0}}),  # CPU not sampled
    ],
)
def test_no_row_without_a_run_and_a_raw_floor_on_every_core(runs, raw):
    assert cpu_budget(runs, raw, cores=2) == []
