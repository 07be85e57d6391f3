"""The values a family DAG's tasks hand each other, typed: what goes through XCom and the run
files that go with it.

    extract   -> ExtractOutput   (the run's time, one ExtractResult per query, the settings version)
    transform -> [BatchRef]      (one per plan batch file; the mapped `batch` group fans out over them)
                 PlanInfo        (plan/plan.json: counts and paths, read back by summarize)
    render    -> RenderedBatch   (the batch's outbox archive, its message count, run date, seconds)
                 ManifestEntry   (one per message, in the archive's manifest.json: delivery/outbox.py)
    deliver   -> DeliveryResult  (counts under their wire names: summary.DELIVERY_COUNTS)

What goes through XCom stays JSON: `to_xcom()` writes a dict carrying `schema_version`, and
`from_xcom()` checks that version and the fields' types before anything is used. Airflow 3.3's
serde could carry these dataclasses itself, but only for classes listed in every deployment's
`[core] allowed_deserialization_classes` (or registered in each process that reads them, the API
server's XCom view included), it stores the class's import path in every XCom row (a rename
would make old runs unreadable) and its version check only refuses a newer version, with no
word on which task wrote it. Plain JSON keeps the XCom readable in the UI and by `ops`.

A value written before versions were carried (runs of earlier releases: clearing one of their
tasks reads it again) has the shape of version 1 and reads as such. A value of another version
is refused with `ContractVersionError`, naming the contract and both versions.

No Airflow, pandas or pyarrow here: the DAG files import this module at parse time (through
`steps`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from alertas_rapidas.schedule.run_time import RunTime

SCHEMA_VERSION = 1
VERSION_KEY = "schema_version"
# A JSON object as XCom carries it (and as json.loads gives it back).
XComDict = dict[str, object]
# What a deliver task returns: counts under their wire names (`sent`, `already_sent`, `held_<state>`,
# ...), and `waited_until` (ISO 8601, UTC) and `seconds` (its work) when they apply.
DeliveryResult = dict[str, int | float | str]

_T = TypeVar("_T")


class ContractError(ValueError):
    """A value handed between tasks does not have the shape of its contract."""


class ContractVersionError(ContractError):
    """A value was written under another version of its contract than this code reads."""

    def __init__(self, contract: str, found: object, expected: int = SCHEMA_VERSION) -> None:
        super().__init__(
            f"{contract} was written as schema version {found}, this code reads version {expected}: "
            "the task that wrote it ran another release (clear the run's tasks from extract on "
            "to run them all on this one)"
        )
        self.contract, self.found, self.expected = contract, found, expected


def checked_version(contract: str, data: object) -> Mapping[str, object]:
    """`data` as a JSON object of the current version of `contract` (no version: version 1)."""
    if not isinstance(data, Mapping):
        raise ContractError(f"{contract} must be a JSON object, not {type(data).__name__}")
    found = data.get(VERSION_KEY, 1)
    if found != SCHEMA_VERSION:
        raise ContractVersionError(contract, found)
    return data


def _field(contract: str, data: Mapping[str, object], name: str, kind: type[_T]) -> _T:
    value = data.get(name)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)  # JSON has one number type: 3 is a valid number of seconds
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        shown = "missing" if name not in data else f"a {type(value).__name__}"
        raise ContractError(f"{contract}: {name!r} is {shown}, expected {kind.__name__}")
    return value


def _optional(contract: str, data: Mapping[str, object], name: str, kind: type[_T]) -> _T | None:
    return None if data.get(name) is None else _field(contract, data, name, kind)


def _strings(contract: str, data: Mapping[str, object], name: str) -> tuple[str, ...]:
    values = data.get(name) or []
    if not isinstance(values, list | tuple) or not all(isinstance(value, str) for value in values):
        raise ContractError(f"{contract}: {name!r} is not a list of strings")
    return tuple(str(value) for value in values)


def _counts(contract: str, data: Mapping[str, object], name: str) -> dict[str, int]:
    values = data.get(name) or {}
    if not isinstance(values, Mapping) or not all(
        isinstance(n, int) and not isinstance(n, bool) for n in values.values()
    ):
        raise ContractError(f"{contract}: {name!r} is not a mapping of counts")
    return {str(key): int(n) for key, n in values.items()}


def _run_time(contract: str, data: Mapping[str, object], name: str = "run") -> RunTime:
    value = data.get(name)
    if not isinstance(value, Mapping) or not all(isinstance(item, str) for item in value.values()):
        raise ContractError(f"{contract}: {name!r} is not a run time (timezone, at, window)")
    try:
        return RunTime.from_dict({str(key): str(item) for key, item in value.items()})
    except (KeyError, ValueError) as exc:
        raise ContractError(f"{contract}: {name!r} is not a run time ({exc})") from None


@dataclass(frozen=True)
class ExtractResult:
    """One query's result, written as Parquet at `path` (a local path or an object-store URL)."""

    name: str
    path: str
    rows: int

    def to_dict(self) -> XComDict:
        return {"name": self.name, "path": self.path, "rows": self.rows}

    @classmethod
    def from_dict(cls, data: object) -> ExtractResult:
        if not isinstance(data, Mapping):
            raise ContractError(f"ExtractResult must be a JSON object, not {type(data).__name__}")
        name = "ExtractResult"
        return cls(
            _field(name, data, "name", str), _field(name, data, "path", str), _field(name, data, "rows", int)
        )


@dataclass(frozen=True)
class ExtractOutput:
    """What extract returns: the run's time, each query's result, and the family's settings
    version it read (0: no override was ever in force; None: written before versions existed)."""

    run: RunTime
    results: tuple[ExtractResult, ...]
    settings_version: int | None = 0

    def to_xcom(self) -> XComDict:
        return {
            VERSION_KEY: SCHEMA_VERSION,
            "run": dict(self.run.to_dict()),
            "results": [result.to_dict() for result in self.results],
            "settings_version": self.settings_version,
        }

    @classmethod
    def from_xcom(cls, data: object) -> ExtractOutput:
        found = checked_version("ExtractOutput", data)
        results = found.get("results")
        if not isinstance(results, list | tuple):
            raise ContractError("ExtractOutput: 'results' is not a list")
        return cls(
            run=_run_time("ExtractOutput", found),
            results=tuple(ExtractResult.from_dict(item) for item in results),
            settings_version=_optional("ExtractOutput", found, "settings_version", int),
        )


@dataclass(frozen=True)
class BatchRef:
    """One plan batch file to render (`plan/batches/batch-NNNN.json`), with the run's time and the
    settings version extract read: what transform returns one of per batch."""

    path: str
    run: RunTime
    settings_version: int | None = 0

    def to_xcom(self) -> XComDict:
        return {
            VERSION_KEY: SCHEMA_VERSION,
            "path": self.path,
            "run": dict(self.run.to_dict()),
            "settings_version": self.settings_version,
        }

    @classmethod
    def from_xcom(cls, data: object) -> BatchRef:
        found = checked_version("BatchRef", data)
        return cls(
            path=_field("BatchRef", found, "path", str),
            run=_run_time("BatchRef", found),
            settings_version=_optional("BatchRef", found, "settings_version", int),
        )


@dataclass(frozen=True)
class RenderedBatch:
    """What render returns: the batch's outbox archive, how many messages it holds, the run's date
    and the seconds the rendering took (its work, beside the task's start-up)."""

    outbox: str
    messages: int
    run_date: date
    seconds: float = 0.0

    def to_xcom(self) -> XComDict:
        return {
            VERSION_KEY: SCHEMA_VERSION,
            "outbox": self.outbox,
            "messages": self.messages,
            "run_date": self.run_date.isoformat(),
            "seconds": self.seconds,
        }

    @classmethod
    def from_xcom(cls, data: object) -> RenderedBatch:
        found = checked_version("RenderedBatch", data)
        # a batch rendered before outbox archives named its manifest file
        outbox = "outbox" if found.get("outbox") or "manifest" not in found else "manifest"
        try:
            run_date = date.fromisoformat(_field("RenderedBatch", found, "run_date", str))
        except ValueError as exc:
            raise ContractError(f"RenderedBatch: 'run_date' is not a date ({exc})") from None
        return cls(
            outbox=_field("RenderedBatch", found, outbox, str),
            messages=_field("RenderedBatch", found, "messages", int),
            run_date=run_date,
            seconds=_optional("RenderedBatch", found, "seconds", float) or 0.0,
        )


@dataclass(frozen=True)
class ManifestEntry:
    """One message of a rendered batch, as the outbox archive's `manifest.json` lists it: the
    ledger key, the references, the Message-ID, the subject, the envelope recipients and the rows
    a digest covers. `eml` names the message's own file in runs rendered before archives."""

    key: str
    recipient_ref: str
    business_key: str
    message_id: str
    envelope: tuple[str, ...]
    subject: str | None = None  # manifests written before subjects have none
    covers: tuple[str, ...] = ()
    eml: str | None = None

    def to_dict(self) -> XComDict:
        data: XComDict = {
            "key": self.key,
            "recipient_ref": self.recipient_ref,
            "business_key": self.business_key,
            "message_id": self.message_id,
            "subject": self.subject,
            "envelope": list(self.envelope),
            "covers": list(self.covers),
        }
        if self.eml is not None:
            data["eml"] = self.eml
        return data

    @classmethod
    def from_dict(cls, data: object) -> ManifestEntry:
        if not isinstance(data, Mapping):
            raise ContractError(f"ManifestEntry must be a JSON object, not {type(data).__name__}")
        name = "ManifestEntry"
        return cls(
            key=_field(name, data, "key", str),
            recipient_ref=_field(name, data, "recipient_ref", str),
            business_key=_field(name, data, "business_key", str),
            message_id=_field(name, data, "message_id", str),
            envelope=_strings(name, data, "envelope"),
            subject=_optional(name, data, "subject", str),
            covers=_strings(name, data, "covers"),
            eml=_optional(name, data, "eml", str),
        )


def manifest_entries(data: object) -> list[ManifestEntry]:
    """A manifest file's entries (a JSON list)."""
    if not isinstance(data, list):
        raise ContractError(f"a manifest must be a JSON list, not {type(data).__name__}")
    return [ManifestEntry.from_dict(item) for item in data]


@dataclass(frozen=True)
class PlanInfo:
    """A plan's counts and paths (`plan/plan.json`), as summarize reads them: candidates,
    messages, skipped and held back by reason, the mute in force, the run's settings block
    (`run_settings.summary_block`), the batch files and the skipped candidates' file."""

    candidates: int = 0
    messages: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    held: dict[str, int] = field(default_factory=dict)
    muted: str | None = None
    settings: dict[str, object] | None = None
    batches: tuple[str, ...] = ()
    skipped_path: str = ""
    run: RunTime | None = None

    def to_json(self) -> XComDict:
        return {
            VERSION_KEY: SCHEMA_VERSION,
            "candidates": self.candidates,
            "messages": self.messages,
            "skipped": dict(self.skipped),
            "held": dict(self.held),
            "muted": self.muted,
            "settings": self.settings,
            "batches": list(self.batches),
            "skipped_path": self.skipped_path,
            "run": dict(self.run.to_dict()) if self.run else None,
        }

    @classmethod
    def from_json(cls, data: object) -> PlanInfo:
        found = checked_version("PlanInfo", data)
        settings = found.get("settings")
        if settings is not None and not isinstance(settings, Mapping):
            raise ContractError("PlanInfo: 'settings' is not a JSON object")
        return cls(
            candidates=_field("PlanInfo", found, "candidates", int),
            messages=_field("PlanInfo", found, "messages", int),
            skipped=_counts("PlanInfo", found, "skipped"),
            held=_counts("PlanInfo", found, "held"),
            muted=_optional("PlanInfo", found, "muted", str),
            settings=dict(settings) if settings is not None else None,
            batches=_strings("PlanInfo", found, "batches"),
            skipped_path=_field("PlanInfo", found, "skipped_path", str),
            run=_run_time("PlanInfo", found) if found.get("run") else None,
        )
