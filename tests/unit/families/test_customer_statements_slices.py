"""The statements transform run on slices of customers gives the same plan as run on everything.

Extracts are written as the extract step writes them (Parquet, in customer order, several row
groups); the transform step reads them `chunk_size` customers at a time (`chunked_frames`) and
writes the plan piece by piece (`PlanWriter`).
"""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from alertas_rapidas.contracts.tasks import ExtractResult
from alertas_rapidas.extract import ExtractError, chunked_frames, load_frames
from alertas_rapidas.families.customer_statements import FAMILY, StatementSettings
from alertas_rapidas.families.customer_statements.transform import build_plan
from alertas_rapidas.plan_files import PlanWriter, read_batch, read_plan_info, read_skipped, write_plan
from tests.unit.families.test_customer_statements import (
    BALANCE_COLUMNS,
    MOVEMENT_COLUMNS,
    NOV_RUN,
    extract_schema,
    statement_rows,
)

COPIES = 12  # 12 x 8 customers: 96 candidates, 36 messages


def many_customers() -> dict[str, list[dict]]:
    """statement_rows() repeated with new customer ids, sorted by customer as the SQL orders it."""
    customers, balances, movements = statement_rows()
    records: dict[str, list[dict]] = {"customers": [], "balances": [], "movements": []}
    for copy in range(COPIES):
        offset = copy * 100
        for row in customers:
            code = f"{row['customer_code']}-{copy}"
            records["customers"].append(
                {**row, "customer_id": row["customer_id"] + offset, "customer_code": code}
                | (
                    {"email": f"{code.lower()}@example.com"}
                    if row["customer_code"] in ("C002", "C007")
                    else {}
                )
            )
        for row in balances:
            records["balances"].append(dict(zip(BALANCE_COLUMNS, (row[0] + offset, *row[1:]), strict=True)))
        for row in movements:
            records["movements"].append(
                dict(
                    zip(
                        MOVEMENT_COLUMNS,
                        (row[0] + offset, row[1], row[2] + offset * 10, *row[3:]),
                        strict=True,
                    )
                )
            )
    records["customers"].sort(key=lambda r: r["customer_id"])
    records["balances"].sort(key=lambda r: (r["customer_id"], r["currency"]))
    records["movements"].sort(
        key=lambda r: (r["customer_id"], r["currency"], r["movement_date"], r["movement_id"])
    )
    return records


@pytest.fixture
def extracts(tmp_path):
    results = []
    for name, rows in many_customers().items():
        schema = extract_schema(name)
        path = tmp_path / "extract" / f"{name}.parquet"
        path.parent.mkdir(exist_ok=True)
        # Small row groups, as the extract's chunks are at scale: slices read only some of them.
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), path, row_group_size=5)
        results.append(ExtractResult(name, str(path), len(rows)))
    return results


def written(info) -> tuple[list, list, dict]:
    messages = [message.to_dict() for path in info.batches for message in read_batch(path)]
    skipped = [vars(item) for item in read_skipped(info.skipped_path)]
    counts = {k: getattr(info, k) for k in ("candidates", "messages", "skipped")}
    return messages, skipped, counts


def test_slices_of_customers_give_the_same_batches_as_the_whole(extracts, tmp_path):
    whole = write_plan(
        build_plan(load_frames(extracts), StatementSettings(), NOV_RUN),
        tmp_path / "whole",
        10,
        worker_slots=2,
    )

    writer = PlanWriter(tmp_path / "sliced", 10, worker_slots=2)
    slices = 0
    for frames in chunked_frames(extracts, FAMILY.chunk_key, 7):
        slices += 1
        ids = set(frames["customers"]["customer_id"])
        assert len(ids) <= 7
        # Each slice holds the rows of its own customers only, never the whole extract.
        assert set(frames["movements"]["customer_id"]) <= ids
        assert set(frames["balances"]["customer_id"]) <= ids
        writer.add(build_plan(frames, StatementSettings(), NOV_RUN))
    sliced = writer.finish()

    assert slices == -(-8 * COPIES // 7)
    assert written(sliced) == written(whole)
    messages, skipped, counts = written(sliced)
    assert counts["candidates"] == 8 * COPIES
    assert len({m["recipient_ref"] for m in messages}) == len(messages) == counts["messages"] > 0
    assert len(skipped) == 8 * COPIES - len(messages)
    # Batches even (at most 10, a multiple of 2 of them) and plan.json as summarize reads it.
    assert [len(read_batch(p)) for p in sliced.batches] == [len(read_batch(p)) for p in whole.batches]
    assert read_plan_info(tmp_path / "sliced").messages == counts["messages"]
    assert json.loads((tmp_path / "sliced" / "skipped.json").read_text()) == skipped


def test_an_extract_without_the_key_column_is_named(extracts, tmp_path):
    table = pa.table({"other": [1, 2]})
    pq.write_table(table, tmp_path / "odd.parquet")
    odd = [*extracts, ExtractResult("odd", str(tmp_path / "odd.parquet"), 2)]
    with pytest.raises(ExtractError, match="extract 'odd' has no column 'customer_id'"):
        next(chunked_frames(odd, "customer_id", 7))
