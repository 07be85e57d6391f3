"""The templates of a mail: the Jinja environment with the package's filters and globals, a
template folder's labels (`labels.yaml`, `es:` and `en:` with the same keys, seen by templates as
`t`), and rendering one template with errors that name the template and line, never the data.

HTML and XML templates are autoescaped; an undefined name is an error (`StrictUndefined`).
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from alertas_rapidas import formatting
from alertas_rapidas.paths import TEMPLATES_DIR


class RenderError(RuntimeError):
    """A template is missing or failed to render."""


@lru_cache(maxsize=4)
def template_environment(*templates_dirs: str) -> Environment:
    """The Jinja environment over `templates_dirs` (searched in order; default: the package's)."""
    env = Environment(
        loader=FileSystemLoader(list(templates_dirs) or [str(TEMPLATES_DIR)]),
        autoescape=select_autoescape(enabled_extensions=("html", "xml"), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        cell=formatting.cell,
        money=formatting.money,
        quantity=formatting.quantity,
        money_currency=formatting.money_with_currency,
        short_date=formatting.short_date,
        month_label=formatting.month_label,
        hour_minute=formatting.hour_minute,
        signed_ref=signed_ref,
        document_type=formatting.document_type_name,
        movement_description=formatting.movement_description,
    )
    from alertas_rapidas.pdf.table_layout import report_layout

    env.globals["report_layout"] = report_layout  # column widths of `_reports/table` PDFs
    return env


def signed_ref(value: object, variable: str) -> str:
    """An opaque token for a link: HMAC-SHA256 of `value` (e.g. "sale:123") keyed with the link
    secret named `variable` (the Airflow Variable of that name, else the package's own: see
    `link_secrets`), as 64 hex digits, e.g. `{{ row.survey_ref | signed_ref(settings.secret_variable) }}`.
    The secret is read when the mail is rendered and goes nowhere else (not in the plan, the
    context, XCom or a log); the site the link points to finds the record by computing the same
    HMAC."""
    from alertas_rapidas.ledger.link_secrets import link_secret

    secret = link_secret(variable)
    return hmac.new(secret.encode("utf-8"), str(value).encode("utf-8"), hashlib.sha256).hexdigest()


LABELS_FILE = "labels.yaml"
LANGUAGES = ("es", "en")


@lru_cache(maxsize=64)
def load_labels(folder: str, *roots: str) -> dict[str, dict[str, Any]]:
    """A template folder's `labels.yaml` ({} when it has none), from the first of `roots` (default:
    the package's templates) that has it; both languages must have the same keys, so a label is
    never missing in one of them."""
    import yaml

    found = [Path(root) / folder / LABELS_FILE for root in roots or (str(TEMPLATES_DIR),)]
    path = next((candidate for candidate in found if candidate.exists()), None)
    if path is None:
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or set(data) != set(LANGUAGES):
        raise RenderError(f"{path}: must hold exactly two mappings, es: and en:")
    if not all(isinstance(data[lang], dict) for lang in LANGUAGES):
        raise RenderError(f"{path}: es: and en: must each be a mapping of label: text")
    missing = set(data["es"]) ^ set(data["en"])
    if missing:
        raise RenderError(f"{path}: labels missing in one language: {', '.join(sorted(missing))}")
    return data


def render_template(env: Environment, name: str, context: dict[str, Any]) -> str:
    try:
        return env.get_template(name).render(**context)
    except Exception as exc:  # jinja2 errors name the template and line, never the data
        raise RenderError(f"template {name} failed: {type(exc).__name__}: {exc}") from exc
