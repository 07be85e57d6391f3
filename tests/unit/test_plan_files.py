"""The plan's batches (what the mapped `batch` group fans out over) and how results come back."""

from __future__ import annotations

import pytest

from alertas_rapidas.contracts.plan import OutgoingMessage, Plan, SkippedCandidate
from alertas_rapidas.contracts.tasks import PlanInfo
from alertas_rapidas.plan_files import even_batches, read_batch, read_plan_info, write_plan
from alertas_rapidas.steps import batch_results, run_problems


@pytest.mark.parametrize(
    ("total", "batch_size", "sizes"),
    [
        (0, 1000, []),
        (1, 1000, [1]),
        (1000, 1000, [1000]),
        (1001, 1000, [501, 500]),
        (2500, 1000, [834, 833, 833]),
        (8489, 1000, [944] * 2 + [943] * 7),
        (7, 3, [3, 2, 2]),
    ],
)
def test_batches_hold_at_most_batch_size_and_differ_by_at_most_one(total, batch_size, sizes):
    bounds = even_batches(total, batch_size)
    assert [end - start for start, end in bounds] == sizes
    # Contiguous and covering every message exactly once, in order.
    starts, ends = [start for start, _ in bounds], [end for _, end in bounds]
    assert starts == ([0, *ends[:-1]] if bounds else [])
    assert (ends[-1] if ends else 0) == total


@pytest.mark.parametrize(
    ("total", "batch_size", "slots", "count"),
    [
        (8489, 1000, 2, 10),  # 9 rounded up: both slots busy to the end
        (8489, 1000, 1, 9),
        (8489, 1000, 4, 12),
        (900, 1000, 2, 1),  # one batch stays one batch
        (3, 1, 4, 3),  # never an empty batch
        (2000, 1000, 2, 2),
    ],
)
def test_several_batches_come_in_multiples_of_the_worker_slots(total, batch_size, slots, count):
    bounds = even_batches(total, batch_size, slots)
    assert len(bounds) == count
    sizes = [end - start for start, end in bounds]
    assert max(sizes) <= batch_size and max(sizes) - min(sizes) <= 1 and sum(sizes) == total


@pytest.mark.parametrize(
    ("total", "batch_size", "slots", "per_slot", "count", "largest"),
    [
        (85_026, 1000, 2, 16, 32, 2658),  # capped: 32 larger batches instead of 86
        (8489, 1000, 2, 16, 10, 849),  # under the cap: as before
        (85_026, 1000, 2, None, 86, 989),  # no cap
        (1_000_000, 1000, 2, 16, 200, 5000),  # the cap never makes a batch larger than 5,000
        (40_000, 1000, 4, 2, 8, 5000),
    ],
)
def test_a_large_run_gets_larger_batches_not_more_of_them(total, batch_size, slots, per_slot, count, largest):
    bounds = even_batches(total, batch_size, slots, per_slot)
    sizes = [end - start for start, end in bounds]
    assert len(bounds) == count and max(sizes) == largest
    assert max(sizes) - min(sizes) <= 1 and sum(sizes) == total and len(bounds) % slots == 0


def test_write_plan_splits_every_message_once_in_order(tmp_path):
    messages = [
        OutgoingMessage(
            recipient_ref=f"customer:{n}", business_key="statement:2026-10", to=[f"c{n}@example.org"]
        )
        for n in range(2500)
    ]
    skipped = [SkippedCandidate("customer:9999", "statement:2026-10", "opted_out")]
    info = write_plan(Plan(candidates=2501, messages=messages, skipped=skipped), tmp_path, 1000)

    assert [len(read_batch(path)) for path in info.batches] == [834, 833, 833]
    back = [message.recipient_ref for path in info.batches for message in read_batch(path)]
    assert back == [message.recipient_ref for message in messages]
    assert read_plan_info(tmp_path).skipped == {"opted_out": 1}
    assert read_plan_info(tmp_path).messages == 2500


def test_batch_results_as_airflow_hands_them_over():
    one = {"sent": 3}
    assert batch_results(None) == []  # no batch finished
    assert batch_results(one) == [one]  # Airflow unwraps a single result
    assert batch_results([one, None, {"sent": 2}]) == [one, {"sent": 2}]


def test_a_batch_without_result_is_a_problem_of_the_run():
    planned = PlanInfo(batches=("a", "b", "c"))
    summary = {"failed": 0, "refused_recipients": 0, "unknown": 0}
    assert run_problems(planned, batch_results([{"sent": 1}, {"sent": 1}]), summary) == [
        "1 of 3 delivery batch(es) did not finish"
    ]
    assert run_problems(planned, batch_results([{"sent": 1}] * 3), summary) == []
