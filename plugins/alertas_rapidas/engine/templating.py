"""`{name}` templates of keys, recipient references and file names, and `when:` conditions.

Keys and references are short, and the data team writes them in YAML: Python's format syntax
(`"payment_ready:{order_id}"`) reads better there than Jinja, and its field names can be checked
against the query's columns before a run. Conditions (`when:`) are Jinja expressions, the
language of the mail templates, evaluated in a sandbox.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

_FORMATTER = string.Formatter()
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class TemplateError(ValueError):
    """A template names a value that does not exist, or has bad syntax."""


def field_names(template: str) -> list[str]:
    """The names a `{name}` template uses (the part before any `.`, `[` or `:`)."""
    try:
        parsed = list(_FORMATTER.parse(template))
    except ValueError as exc:
        raise TemplateError(f"bad template {template!r}: {exc}") from None
    names = []
    for _literal, field, _spec, _conversion in parsed:
        if field is None:
            continue
        name = re.split(r"[.\[]", field, maxsplit=1)[0]
        if not _NAME.match(name):
            raise TemplateError(
                f"bad template {template!r}: every {{...}} must name a value, e.g. {{order_id}}"
            )
        names.append(name)
    return names


def fill(template: str, values: Mapping[str, Any]) -> str:
    """The template with its fields filled in; a missing value is an error naming it."""
    try:
        return template.format_map(_RefuseMissing(values))
    except KeyError as exc:
        raise TemplateError(
            f"template {template!r} names {exc.args[0]!r}, which is not a value here"
        ) from None


class _RefuseMissing(dict):
    """The values for `str.format_map`: a field that names no value raises KeyError (naming it);
    a None value is shown as blank."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        super().__init__()
        self._values = values

    def __missing__(self, key: str) -> Any:
        value = self._values[key]  # KeyError names the field
        return "" if value is None else value


@lru_cache(maxsize=256)
def _expression(source: str) -> Any:
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    return ImmutableSandboxedEnvironment().compile_expression(source, undefined_to_none=False)


def check_condition(source: str) -> None:
    """Raise TemplateError when a `when:` expression does not parse."""
    from jinja2 import TemplateSyntaxError

    try:
        _expression(source)
    except TemplateSyntaxError as exc:
        raise TemplateError(f"bad condition {source!r}: {exc.message}") from None


def condition_names(source: str) -> set[str]:
    """The top-level names a `when:` expression reads."""
    from jinja2 import meta
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    return set(meta.find_undeclared_variables(ImmutableSandboxedEnvironment().parse(f"{{{{ {source} }}}}")))


def holds(source: str, values: Mapping[str, Any]) -> bool:
    """Evaluate a `when:` expression over `values`."""
    return bool(_expression(source)(**values))
