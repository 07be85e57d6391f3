"""Attachments of tabular reports: the same table as XLSX and as a PDF (`_reports/table`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from alertas_rapidas.messages import AttachmentSpec

_FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def report_attachments(
    formats: Iterable[str], *, stem: str, scope_code: str, fallback_code: str, run_date: date
) -> list[AttachmentSpec]:
    """One attachment per format (duplicates ignored), named `<stem>-<scope>-<run date>.<ext>`."""
    code = _FILENAME_UNSAFE.sub("-", scope_code).strip("-") or fallback_code
    name = f"{stem}-{code}-{run_date.isoformat()}"
    return [
        AttachmentSpec(filename=f"{name}.xlsx", kind="xlsx")
        if kind == "xlsx"
        else AttachmentSpec(filename=f"{name}.pdf", kind="pdf", template="_reports/table")
        for kind in dict.fromkeys(formats)
    ]
