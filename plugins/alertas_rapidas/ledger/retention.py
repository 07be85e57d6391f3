"""Retention of personal data: run folders removed after a retention period, ledger addresses purged.

Run folders (`ALERTAS_WORK_DIR/<dag_id>/<run_id>/`, see `storage.run_dir`) hold the extracts, batches
and rendered messages (.eml with their PDFs, outbox manifests) of one DAG run. `housekeeping`
removes the folders whose newest file is older than the retention period: local folders, or the
objects under a run's prefix when the run files live in an object store (`s3://...`).

The ledger (`alerts.deliveries`) keeps what proves a delivery (idempotency key, family,
recipient_ref, business key, status, times, message-id) for good; `purge_addresses` drops the
addresses of rows whose run date is before a date.

Settings (environment of the scheduler/workers, or an Airflow Variable of the same name in lower
case for the `alertas_housekeeping` DAG):
- `ALERTAS_RETENTION_DAYS`: days a run folder is kept (default 30).
- `ALERTAS_PURGE_MIN_AGE_DAYS`: the youngest run date `purge --before` accepts is this many days
  ago (default 30), so a typo cannot purge the addresses of recent messages.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from alertas_rapidas.storage import local_path, storage_path, work_root

DEFAULT_RETENTION_DAYS = 30
DEFAULT_PURGE_MIN_AGE_DAYS = 30

# An e-mail address inside free text (an SMTP reply, a reason): removed by the purge.
ADDRESS_PATTERN = r"[^\s<>(),;:\"']+@[^\s<>(),;:\"']+"
ADDRESS_REPLACEMENT = "[address removed]"


def _days_setting(name: str, default: int, value: str | int | None = None) -> int:
    raw = value if value is not None else os.environ.get(name)
    if raw is None or str(raw).strip() == "":
        return default
    try:
        days = int(str(raw).strip())
    except ValueError:
        raise ValueError(f"{name} must be a whole number of days (given: {raw!r})") from None
    if days < 1:
        raise ValueError(f"{name} must be at least 1 day (given: {days})")
    return days


def retention_days(value: str | int | None = None) -> int:
    """Days a run folder is kept: `value`, else `ALERTAS_RETENTION_DAYS`, else 30."""
    return _days_setting("ALERTAS_RETENTION_DAYS", DEFAULT_RETENTION_DAYS, value)


def purge_min_age_days(value: str | int | None = None) -> int:
    """Minimum age of `purge --before`: `value`, else `ALERTAS_PURGE_MIN_AGE_DAYS`, else 30."""
    return _days_setting("ALERTAS_PURGE_MIN_AGE_DAYS", DEFAULT_PURGE_MIN_AGE_DAYS, value)


# --- run folders -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunFolder:
    path: Any  # ObjectStoragePath of the folder (a key prefix in an object store)
    name: str  # "<dag_id>/<run_id>"
    newest: datetime  # newest modification time of the folder or anything in it (UTC)
    size: int  # bytes of its files


@dataclass
class HousekeepingReport:
    root: Any
    cutoff: datetime
    dry_run: bool
    removed: list[RunFolder] = field(default_factory=list)
    kept: int = 0

    @property
    def bytes(self) -> int:
        return sum(folder.size for folder in self.removed)

    @property
    def oldest(self) -> RunFolder | None:
        return min(self.removed, key=lambda folder: folder.newest, default=None)

    def lines(self) -> list[str]:
        verb = "would remove" if self.dry_run else "removed"
        head = (
            f"{verb} {len(self.removed)} run folder(s), {_size(self.bytes)}, "
            f"last written before {self.cutoff:%Y-%m-%d %H:%M} UTC; "
            f"kept {self.kept} (under {_shown(self.root)})"
        )
        lines = [head]
        if self.oldest is not None:
            lines.append(f"oldest: {self.oldest.name} (last written {self.oldest.newest:%Y-%m-%d %H:%M} UTC)")
        return lines


def _shown(root: Any) -> str:
    local = local_path(root)
    return str(local) if local is not None else f"{root.protocol}://{root.path}"


def _size(count: int) -> str:
    size = float(count)
    for unit in ("bytes", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{count} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{count} bytes"  # pragma: no cover


def _scan(path: Path) -> tuple[datetime, int]:
    newest = path.lstat().st_mtime
    size = 0
    for parent, dirs, files in os.walk(path):
        for name in dirs + files:
            stat = os.lstat(os.path.join(parent, name))
            newest = max(newest, stat.st_mtime)
            if name in files:
                size += stat.st_size
    return datetime.fromtimestamp(newest, UTC), size


def _scan_objects(prefix: Any) -> tuple[datetime, int]:
    """Newest write and bytes of every object under a prefix of an object store."""
    objects = prefix.fs.find(prefix.path, detail=True)
    stamps = [_modified(info) for info in objects.values()]
    newest = max((stamp for stamp in stamps if stamp is not None), default=datetime.now(UTC))
    return newest, sum(int(info.get("size") or 0) for info in objects.values())


def _modified(info: dict[str, Any]) -> datetime | None:
    stamp = info.get("LastModified") or info.get("mtime") or info.get("last_modified")
    if isinstance(stamp, datetime):
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    if isinstance(stamp, int | float):
        return datetime.fromtimestamp(stamp, UTC)
    return None


def run_folders(root: Any = None) -> list[RunFolder]:
    """Every run folder (`<root>/<dag_id>/<run_id>/`); symbolic links are never followed."""
    root = storage_path(root) if root is not None else work_root()
    local = local_path(root)
    found = []
    if local is not None:
        if not local.is_dir():
            return []
        for dag_dir in sorted(local.iterdir()):
            if dag_dir.is_symlink() or not dag_dir.is_dir():
                continue
            for run in sorted(dag_dir.iterdir()):
                if run.is_symlink() or not run.is_dir():
                    continue
                newest, size = _scan(run)
                found.append(RunFolder(storage_path(run), f"{dag_dir.name}/{run.name}", newest, size))
        return found
    if not root.exists():
        return []
    for dag_dir in sorted(root.iterdir(), key=lambda p: p.name):
        if not dag_dir.is_dir():
            continue
        for run in sorted(dag_dir.iterdir(), key=lambda p: p.name):
            if not run.is_dir():
                continue
            newest, size = _scan_objects(run)
            found.append(RunFolder(run, f"{dag_dir.name}/{run.name}", newest, size))
    return found


def housekeeping(
    older_than_days: int | None = None,
    *,
    dry_run: bool = False,
    root: Any = None,
    now: datetime | None = None,
) -> HousekeepingReport:
    """Remove the run folders whose newest file is older than `older_than_days` (default: setting)."""
    days = retention_days(older_than_days)
    root = storage_path(root) if root is not None else work_root()
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    report = HousekeepingReport(root=root, cutoff=cutoff, dry_run=dry_run)
    for folder in run_folders(root):
        if folder.newest >= cutoff:
            report.kept += 1
            continue
        if not dry_run:
            local = local_path(folder.path)
            if local is not None:
                shutil.rmtree(local)
            else:
                folder.path.fs.rm(folder.path.path, recursive=True)
        report.removed.append(folder)
    return report


# --- ledger addresses --------------------------------------------------------------------------


class PurgeRefused(ValueError):
    """A `purge --before` date that is in the future or younger than the minimum age."""


def check_purge_date(before: date, *, today: date | None = None, min_age_days: int | None = None) -> None:
    today = today or datetime.now(UTC).date()
    min_age = purge_min_age_days(min_age_days)
    if before > today:
        raise PurgeRefused(f"--before {before} is in the future (today is {today})")
    youngest = today - timedelta(days=min_age)
    if before > youngest:
        raise PurgeRefused(
            f"--before {before} is less than {min_age} days ago (ALERTAS_PURGE_MIN_AGE_DAYS); "
            f"the latest date allowed is {youngest}"
        )


_PERSONAL = """
    d.recipients is not null or d.refused is not null or d.subject is not null
    or d.smtp_response ~ %(pattern)s or d.reason ~ %(pattern)s or d.bounce_detail ~ %(pattern)s
"""


def purge_addresses(conn: Any, before: date, *, dry_run: bool = False) -> int:
    """Drop the addresses of ledger rows whose run date is before `before`; return how many rows.

    `recipients`, `refused` and `subject` (it may name the customer) become null; an address
    inside `smtp_response`, `reason` or `bounce_detail` is replaced by "[address removed]". The
    key, family, recipient_ref, business key, status, times, message-id and the rest of the SMTP
    reply stay. Rows being sent right now are left alone. Running it again purges nothing.

    The bounces read before `before` lose their address too (their family and kind stay, for the
    counts), and so do suppressions lifted before it; a suppression in force keeps its address (it
    is what stops the mail), and so does a bounce score still counting.
    """
    where = f"d.run_date < %(before)s and d.status <> 'sending' and ({_PERSONAL})"
    params = {"before": before, "pattern": ADDRESS_PATTERN, "replacement": ADDRESS_REPLACEMENT}
    if dry_run:
        return conn.execute(f"select count(*) from alerts.deliveries d where {where}", params).fetchone()[0]
    cursor = conn.execute(
        f"""
        update alerts.deliveries d
           set recipients = null, refused = null, subject = null,
               smtp_response = regexp_replace(d.smtp_response, %(pattern)s, %(replacement)s, 'g'),
               reason = regexp_replace(d.reason, %(pattern)s, %(replacement)s, 'g'),
               bounce_detail = regexp_replace(d.bounce_detail, %(pattern)s, %(replacement)s, 'g')
         where {where}
        """,
        params,
    )
    _purge_bounce_addresses(conn, params)
    return cursor.rowcount


def _purge_bounce_addresses(conn: Any, params: dict[str, Any]) -> None:
    """Bounces read, and suppressions lifted, before the date: their addresses go (see above)."""
    conn.execute(
        """
        update alerts.bounces
           set address = %(replacement)s || ' #' || id,
               detail = regexp_replace(detail, %(pattern)s, %(replacement)s, 'g')
         where received_at < %(before)s and address ~ %(pattern)s
        """,
        params,
    )
    conn.execute(
        """
        update alerts.suppressions
           set address = %(replacement)s || ' #' || id,
               reason = regexp_replace(reason, %(pattern)s, %(replacement)s, 'g')
         where lifted_at < %(before)s and address ~ %(pattern)s
        """,
        params,
    )
