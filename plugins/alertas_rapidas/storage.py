"""Where runs write their files: one location read and written through Airflow's `ObjectStoragePath`.

Run files (extracts, plan batches, rendered outbox archives) live under `ALERTAS_WORK_DIR`: a
local folder (the default, `$AIRFLOW_HOME/alertas_work`) or an object-store URL such as
`s3://alertas/work`, reached through the Airflow connection named by `ALERTAS_WORK_CONN_ID` (an
`aws` connection; its extra `endpoint_url` points at an S3-compatible server). Workers then share
no disk.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from alertas_rapidas.file_names import safe_file_name

if TYPE_CHECKING:
    from typing import TypeAlias

    from airflow.sdk import ObjectStoragePath

    # A run-file location as callers hold it: a local path, a URL (as XCom carries it) or a path.
    StorageLocation: TypeAlias = str | os.PathLike[str] | ObjectStoragePath


def work_root() -> ObjectStoragePath:
    """Root of the run files (extracts, batches, rendered .eml), local or in an object store."""
    configured = os.environ.get("ALERTAS_WORK_DIR")
    if not configured:
        airflow_home = os.environ.get("AIRFLOW_HOME") or str(Path.home() / "airflow")
        configured = str(Path(airflow_home) / "alertas_work")
    return storage_path(configured)


def storage_path(location: StorageLocation) -> ObjectStoragePath:
    """A run-file location as an `ObjectStoragePath`: a local folder, `file://` or a store URL.

    Paths travel between tasks as strings (XCom); this is the one place that turns them back,
    adding the connection of `ALERTAS_WORK_CONN_ID` to a remote location.
    """
    from airflow.sdk import ObjectStoragePath

    if isinstance(location, ObjectStoragePath):
        return location
    text = os.fspath(location)
    if "://" not in text:
        return ObjectStoragePath("file://" + str(Path(text).absolute()))
    if text.startswith("file://"):
        return ObjectStoragePath(text)
    return ObjectStoragePath(text, conn_id=os.environ.get("ALERTAS_WORK_CONN_ID") or None)


def is_local(path: ObjectStoragePath) -> bool:
    return path.protocol in ("file", "local", "")


def local_path(path: ObjectStoragePath) -> Path | None:
    """The plain file-system path of a local location, else None."""
    return Path(path.path) if is_local(path) else None


def make_dirs(path: ObjectStoragePath) -> None:
    """Create a local folder; object stores have no folders (a key prefix needs nothing)."""
    if is_local(path):
        Path(path.path).mkdir(parents=True, exist_ok=True)


def write_file(path: ObjectStoragePath, data: bytes) -> None:
    """Write a whole file: locally through a temporary name and a rename (readers never see half
    a file), in an object store as one upload (objects appear whole)."""
    local = local_path(path)
    if local is None:
        path.write_bytes(data)
        return
    local.parent.mkdir(parents=True, exist_ok=True)
    tmp = local.with_name(local.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(local)


@contextmanager
def writing_local(path: ObjectStoragePath) -> Generator[Path, None, None]:
    """A local file to write `path` through (a library that writes files, e.g. Parquet): the file
    itself when local, else a temporary file uploaded when the block ends without error."""
    local = local_path(path)
    if local is not None:
        local.parent.mkdir(parents=True, exist_ok=True)
        yield local
        return
    with tempfile.TemporaryDirectory(prefix="alertas-up-") as folder:
        tmp = Path(folder) / path.name
        yield tmp
        path.fs.put_file(str(tmp), path.path)


@contextmanager
def reading_local(path: ObjectStoragePath) -> Generator[Path, None, None]:
    """A local copy of `path` to read (e.g. Parquet read in slices): the file itself when local,
    else a temporary download, streamed to disk (never held in memory)."""
    local = local_path(path)
    if local is not None:
        yield local
        return
    with tempfile.TemporaryDirectory(prefix="alertas-down-") as folder:
        tmp = Path(folder) / path.name
        path.fs.get_file(path.path, str(tmp))
        yield tmp


def run_dir(dag_id: str, run_id: str) -> ObjectStoragePath:
    """The folder of one DAG run's files."""
    return work_root() / safe_file_name(dag_id, separator="_") / safe_file_name(run_id, separator="_")


def outbox_dir(dag_id: str, run_id: str) -> ObjectStoragePath:
    """Where a run's render step writes each message as `<ledger key>.eml` (beside its plan's
    batches, `plan/outbox/`), kept as long as the run folder is (retention)."""
    return run_dir(dag_id, run_id) / "plan" / "outbox"
