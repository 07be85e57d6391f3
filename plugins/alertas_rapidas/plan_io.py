"""Write a Plan to run files in batches, and read them back: what flows between tasks.

The transform writes `batches/batch-NNNN.json` (messages) and `skipped.json`; XCom carries only
these paths, so a batch's size never touches the metadata database.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from alertas_rapidas.messages import OutgoingMessage, Plan, SkippedCandidate

PLAN_INFO = "plan.json"


def write_plan(
    plan: Plan, out_dir: Path, batch_size: int, run: dict[str, Any], worker_slots: int = 1
) -> dict[str, Any]:
    """Write batches, skipped candidates and `plan.json` (counts and paths); return the latter.

    Batches hold at most `batch_size` messages and are as even as possible (2,500 messages at
    1,000 make 834 + 833 + 833, not 1,000 + 1,000 + 500), so no mapped task is a straggler; see
    `even_batches` for `worker_slots`.
    """
    batch_dir = out_dir / "batches"
    batch_dir.mkdir(parents=True, exist_ok=True)
    batches: list[str] = []
    bounds = even_batches(len(plan.messages), batch_size, worker_slots)
    for number, (start, end) in enumerate(bounds, start=1):
        path = batch_dir / f"batch-{number:04d}.json"
        items = [message.to_dict() for message in plan.messages[start:end]]
        _write_json(path, items)
        batches.append(str(path))
    skipped_path = out_dir / "skipped.json"
    _write_json(skipped_path, [vars(item) for item in plan.skipped])
    info = {
        "candidates": plan.candidates,
        "messages": len(plan.messages),
        "skipped": dict(sorted(Counter(item.reason for item in plan.skipped).items())),
        "batches": batches,
        "skipped_path": str(skipped_path),
        "run": run,
    }
    _write_json(out_dir / PLAN_INFO, info)
    return info


def even_batches(total: int, batch_size: int, worker_slots: int = 1) -> list[tuple[int, int]]:
    """[start, end) bounds of batches of at most `batch_size`, whose sizes differ by at most one.

    When more than one batch is needed, their number is rounded up to a multiple of
    `worker_slots` (never past one message a batch): 8,489 messages at 1,000 make 9 batches, and
    for 2 slots 10, so that both slots work to the end instead of one idling through the ninth.
    """
    count = -(-total // batch_size)
    if count > 1 and worker_slots > 1:
        count = min(total, -(-count // worker_slots) * worker_slots)
    size, extra = divmod(total, count) if count else (0, 0)
    bounds, start = [], 0
    for number in range(count):
        end = start + size + (1 if number < extra else 0)
        bounds.append((start, end))
        start = end
    return bounds


def read_plan_info(out_dir: Path) -> dict[str, Any] | None:
    """The plan's counts and paths, or None when the transform did not finish."""
    path = out_dir / PLAN_INFO
    return _read_json(path) if path.exists() else None


def read_batch(path: str | Path) -> list[OutgoingMessage]:
    return [OutgoingMessage.from_dict(item) for item in _read_json(path)]


def read_skipped(path: str | Path) -> list[SkippedCandidate]:
    return [SkippedCandidate(**item) for item in _read_json(path)]


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    tmp.replace(path)


def _read_json(path: str | Path) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))
