"""The page's preview: what one family would send for a date (a dry run), shown in the browser.

Runs `alertas_rapidas.authoring.preview` (extract, transform and render on the DMS, nothing sent,
the ledger neither read nor written) into a local folder of its own, then reads the
rendered `.eml` files back: recipients, subject, the HTML body, and the attachments (downloaded
through the page, by a file name checked against that folder).
"""

from __future__ import annotations

import email
import email.policy
import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

FILE_PATTERN = re.compile(r"[0-9]{3}-[A-Za-z0-9._-]{1,200}")


@dataclass
class PreviewMessage:
    number: str
    to: str
    cc: str
    subject: str
    html: str
    attachments: list[str] = field(default_factory=list)


def preview_folder(family: str, day: date) -> Path:
    """A local folder of the API server (the run storage may be a bucket; a preview is served from
    here): `$AIRFLOW_HOME/alertas_ui_preview/<family>/<date>/`, emptied by the next preview of it."""
    home = os.environ.get("AIRFLOW_HOME") or str(Path.home() / "airflow")
    return Path(home) / "alertas_ui_preview" / family / day.isoformat()


def run_preview(family: str, day: date) -> tuple[str, list[PreviewMessage]]:
    """Render the dry run; its summary line and every message. Raises PreviewError."""
    from alertas_rapidas.authoring.preview import preview

    out = preview_folder(family, day)
    line = preview(family, day, out=out)
    return line, read_messages(out)


def read_messages(out: Path) -> list[PreviewMessage]:
    messages = []
    for eml in sorted(out.glob("[0-9][0-9][0-9].eml")):
        mail = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        body = mail.get_body(("html",))
        messages.append(
            PreviewMessage(
                number=eml.stem,
                to=str(mail.get("To", "")),
                cc=str(mail.get("Cc", "")),
                subject=str(mail.get("Subject", "")),
                html=body.get_content() if body else "",
                attachments=sorted(p.name for p in out.glob(f"{eml.stem}-*") if p.is_file()),
            )
        )
    return messages


def attachment_path(family: str, day: date, name: str) -> Path | None:
    """The attachment file `name` of the last preview of family/day, or None."""
    if not FILE_PATTERN.fullmatch(name):
        return None
    folder = preview_folder(family, day).resolve()
    path = (folder / name).resolve()
    if path.parent != folder or not path.is_file():
        return None
    return path
