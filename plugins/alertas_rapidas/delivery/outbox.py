"""A rendered batch as one object: what the render step writes and the deliver step reads.

`plan/outbox/batch-NNNN.zip` (beside the plan's `batches/`) holds the batch's delivery manifest,
`manifest.json` (one entry per message: ledger key, references, Message-ID, subject, envelope
recipients, the rows a digest covers), and each message as rendered, `<ledger key>.eml`, stored
as it is (a PDF is compressed already). One object per batch, not one per message: with run
files in an object store, render writes one object per batch and deliver reads it with one
request (at 100,000 statements that was 170,000 requests; `make bench` counts them). Reading one
message back (the Alertas page's `.eml` link) reads only the archive's directory and that entry.

Runs rendered before this format left `<key>.eml` files and a `batch-NNNN.manifest.json` in the
same folder: `read_outbox` and `message_bytes` still read those.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from alertas_rapidas.contracts.tasks import ManifestEntry, manifest_entries
from alertas_rapidas.storage import storage_path, writing_local

if TYPE_CHECKING:
    from alertas_rapidas.storage import StorageLocation

MANIFEST = "manifest.json"
SUFFIX = ".zip"
_LEGACY_MANIFEST = ".manifest.json"


def member(key: str) -> str:
    """The archive member of the message with ledger key `key`."""
    return f"{key}.eml"


class OutboxWriter:
    """Writes one batch's outbox: `add` each rendered message, then `finish` with the manifest."""

    def __init__(self, path: StorageLocation) -> None:
        self.path = storage_path(path)
        self._buffer = io.BytesIO()
        self._archive = zipfile.ZipFile(self._buffer, "w", compression=zipfile.ZIP_STORED)

    def add(self, key: str, data: bytes) -> None:
        self._archive.writestr(member(key), data)

    def finish(self, manifest: Iterable[ManifestEntry]) -> None:
        """Add the manifest and write the archive as one object (locally: one file)."""
        self._archive.writestr(MANIFEST, json.dumps([entry.to_dict() for entry in manifest]))
        self._archive.close()
        with writing_local(self.path) as local:
            local.write_bytes(self._buffer.getvalue())


@dataclass
class Outbox:
    """A batch to deliver: its manifest entries and each message's bytes."""

    entries: list[ManifestEntry]
    _read: Callable[[ManifestEntry], bytes]
    name: str | None = None  # the archive's name in the run's outbox folder (None: loose files)

    def payload(self, entry: ManifestEntry) -> bytes:
        """The message of `entry` as rendered."""
        return self._read(entry)

    @classmethod
    def of_files(cls, manifest: Iterable[ManifestEntry | Mapping[str, object]]) -> Outbox:
        """A legacy manifest, whose entries' `eml` each names a file (runs rendered before batch
        archives; tests): entries, or their JSON form."""
        entries = [
            item if isinstance(item, ManifestEntry) else ManifestEntry.from_dict(item) for item in manifest
        ]
        return cls(entries, _read_eml)


def _read_eml(entry: ManifestEntry) -> bytes:
    if entry.eml is None:
        raise ValueError(f"manifest entry {entry.key} names no .eml file")
    return storage_path(entry.eml).read_bytes()


def read_outbox(path: StorageLocation) -> Outbox:
    """The batch at `path` (an archive, read whole with one request; or a legacy manifest)."""
    location = storage_path(path)
    if location.name.endswith(_LEGACY_MANIFEST):
        return Outbox.of_files(manifest_entries(json.loads(location.read_bytes())))
    archive = zipfile.ZipFile(io.BytesIO(location.read_bytes()))
    entries = manifest_entries(json.loads(archive.read(MANIFEST)))
    return Outbox(entries, lambda entry: archive.read(member(entry.key)), location.name)


def message_bytes(folder: StorageLocation, key: str, batch: str | None) -> bytes | None:
    """One message of a run's outbox `folder`: from the archive named `batch` (as the ledger
    records it), or from its own legacy `.eml` file; None when it is not there (any more)."""
    folder = storage_path(folder)
    if batch:
        path = folder / batch
        if not path.exists():
            return None
        with path.open("rb") as handle, zipfile.ZipFile(handle) as archive:  # the directory, one entry
            try:
                return archive.read(member(key))
            except KeyError:
                return None
    legacy = folder / member(key)
    return legacy.read_bytes() if legacy.exists() else None
