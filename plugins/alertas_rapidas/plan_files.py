"""Write a Plan to run files in batches, and read them back: what flows between tasks.

The transform writes `batches/batch-NNNN.json` (messages), `skipped.json` and `plan.json` (a
`contracts.tasks.PlanInfo`: counts and paths); XCom carries only the batches' paths (as URLs: the
run folder may be in an object store, see `storage.work_root`), so a batch's size never touches the
metadata database. A plan can be written in pieces (`PlanWriter`, one piece per chunk of
customers): pieces are spooled to a local temporary file and cut into even batches at the end, so
memory holds one piece and one batch, never the whole plan.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from alertas_rapidas.contracts.plan import OutgoingMessage, Plan, SkippedCandidate
from alertas_rapidas.contracts.tasks import PlanInfo
from alertas_rapidas.schedule.run_time import RunTime
from alertas_rapidas.storage import make_dirs, storage_path, write_file, writing_local

if TYPE_CHECKING:
    from alertas_rapidas.storage import StorageLocation

PLAN_INFO = "plan.json"


class PlanWriter:
    """Writes one plan given in pieces: `add` each piece, then `finish` writes the files."""

    def __init__(
        self,
        out_dir: StorageLocation,
        batch_size: int,
        run: RunTime | None = None,
        worker_slots: int = 1,
        batches_per_slot: int | None = None,
    ) -> None:
        self.out_dir = storage_path(out_dir)
        self.batch_size = batch_size
        self.run = run
        self.worker_slots = worker_slots
        self.batches_per_slot = batches_per_slot
        self.candidates = 0
        self.messages = 0
        self.skipped: Counter[str] = Counter()
        self.held: Counter[str] = Counter()
        self.muted: str | None = None  # the mute in force at the run's instant, described
        # the run's settings: version, instant, effective values and sources, first-applied changes
        self.settings: dict[str, object] | None = None
        self._spool = tempfile.TemporaryDirectory(prefix="alertas-plan-")
        self._messages: IO[str] = open(Path(self._spool.name) / "messages.jsonl", "w+", encoding="utf-8")  # noqa: SIM115
        self._skipped: IO[str] = open(Path(self._spool.name) / "skipped.jsonl", "w+", encoding="utf-8")  # noqa: SIM115

    def add(self, plan: Plan) -> None:
        self.candidates += plan.candidates
        for message in plan.messages:
            self._messages.write(_dumps(message.to_dict()) + "\n")
        self.messages += len(plan.messages)
        for item in plan.skipped:
            self._skipped.write(_dumps(vars(item)) + "\n")
            self.skipped[item.reason] += 1
        self.held.update(plan.held)

    def finish(self) -> PlanInfo:
        """Write batches, skipped candidates and `plan.json` (counts and paths); return the latter."""
        try:
            batch_dir = self.out_dir / "batches"
            make_dirs(batch_dir)
            batches: list[str] = []
            self._messages.seek(0)
            for number, (start, end) in enumerate(
                even_batches(self.messages, self.batch_size, self.worker_slots, self.batches_per_slot),
                start=1,
            ):
                path = batch_dir / f"batch-{number:04d}.json"
                lines = [self._messages.readline().rstrip("\n") for _ in range(end - start)]
                write_file(path, ("[" + ",".join(lines) + "]").encode("utf-8"))
                batches.append(str(path))
            skipped_path = self.out_dir / "skipped.json"
            self._skipped.seek(0)
            with writing_local(skipped_path) as local, open(local, "w", encoding="utf-8") as out:
                out.write("[")
                for number, line in enumerate(self._skipped):
                    out.write(("," if number else "") + line.rstrip("\n"))
                out.write("]")
            info = PlanInfo(
                candidates=self.candidates,
                messages=self.messages,
                skipped=dict(sorted(self.skipped.items())),
                held=dict(sorted(self.held.items())),
                muted=self.muted,
                settings=self.settings,
                batches=tuple(batches),
                skipped_path=str(skipped_path),
                run=self.run,
            )
            write_file(self.out_dir / PLAN_INFO, _dumps(info.to_json()).encode("utf-8"))
            return info
        finally:
            self.close()

    def close(self) -> None:
        self._messages.close()
        self._skipped.close()
        self._spool.cleanup()


def write_plan(
    plan: Plan, out_dir: StorageLocation, batch_size: int, run: RunTime | None = None, worker_slots: int = 1
) -> PlanInfo:
    """Write a whole plan at once (see `PlanWriter`).

    Batches hold at most `batch_size` messages and are as even as possible (2,500 messages at
    1,000 make 834 + 833 + 833, not 1,000 + 1,000 + 500), so no mapped task is a straggler; see
    `even_batches` for `worker_slots`.
    """
    writer = PlanWriter(out_dir, batch_size, run, worker_slots)
    writer.add(plan)
    return writer.finish()


# A batch never holds more messages than this (what `batch_size` itself allows): a render task keeps
# its batch's rendered messages in memory until it writes the batch's archive.
MAX_BATCH_MESSAGES = 5000


def even_batches(
    total: int, batch_size: int, worker_slots: int = 1, batches_per_slot: int | None = None
) -> list[tuple[int, int]]:
    """[start, end) bounds of batches of at most `batch_size`, whose sizes differ by at most one.

    A large run has at most `worker_slots` x `batches_per_slot` batches: past that, batches grow
    beyond `batch_size` (up to `MAX_BATCH_MESSAGES`) instead of their number growing, since every
    mapped task costs start-up and scheduling whatever its size (85,000 statements at 1,000 made
    172 render and deliver tasks; with 2 slots and 16 a slot, 32 batches of about 2,660 make 64).
    When more than one batch is needed, their number is rounded up to a multiple of
    `worker_slots` (never past one message a batch): 8,489 messages at 1,000 make 9 batches, and
    for 2 slots 10, so that both slots work to the end instead of one idling through the ninth.
    """
    count = -(-total // batch_size)
    if batches_per_slot is not None and count > worker_slots * batches_per_slot:
        count = max(worker_slots * batches_per_slot, -(-total // MAX_BATCH_MESSAGES))
    if count > 1 and worker_slots > 1:
        count = min(total, -(-count // worker_slots) * worker_slots)
    size, extra = divmod(total, count) if count else (0, 0)
    bounds, start = [], 0
    for number in range(count):
        end = start + size + (1 if number < extra else 0)
        bounds.append((start, end))
        start = end
    return bounds


def read_plan_info(out_dir: StorageLocation) -> PlanInfo | None:
    """The plan's counts and paths, or None when the transform did not finish."""
    path = storage_path(out_dir) / PLAN_INFO
    return PlanInfo.from_json(_read_json(path)) if path.exists() else None


def read_batch(path: StorageLocation) -> list[OutgoingMessage]:
    return [OutgoingMessage.from_dict(item) for item in _read_json(path)]


def read_skipped(path: StorageLocation) -> list[SkippedCandidate]:
    return [SkippedCandidate(**item) for item in _read_json(path)]


def _dumps(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _read_json(path: StorageLocation) -> Any:  # JSON: each caller reads the shape it expects
    return json.loads(storage_path(path).read_bytes())
