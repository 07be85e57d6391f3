"""Overrides of a family's settings and recipients: which fields may be tuned without a deploy, how
each one merges onto the family file, and how a value is written (issue 25; docs/writing-alerts.md,
"Tune an alert").

The family file stays the definition and the default. An override is one more layer on top of it,
applied to the layered mapping *before* validation, so the same models check it with the same
messages as the YAML (`config.load_family_config(path, overrides)`). Each tunable field declares
its merge rules, as dbt declares `MergeBehavior` per config field:

| field | what | merge rules (first: the default) |
|---|---|---|
| `settings.<name>` | a declared setting | `replace` |
| `cc`, `bcc` | fixed addresses copied on every message | `add`, `replace` |
| `recipients.<stage>.to` | the stage's fallback chain | `replace` |
| `recipients.<stage>.cc`, `.bcc` | the stage's copies | `add`, `replace` |

`replace` puts the override's value in place of the file's; `add` keeps the file's items and
appends the override's. An override's recipient rules name roles or fixed addresses only (rules
that read the rows' columns are the file's). Pure: no database, no Airflow.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, EmailStr


class Merge(StrEnum):
    REPLACE = "replace"  # the override's value instead of the file's (a scalar, or a whole list)
    ADD = "add"  # the file's items, then the override's


class Kind(StrEnum):
    SETTING = "setting"
    ADDRESSES = "addresses"  # a list of fixed addresses (the top-level cc, bcc)
    RULES = "rules"  # a list of recipient rules (a stage's to, cc, bcc)


LISTS = ("to", "cc", "bcc")
# The keys an override's recipient rule may hold: a role (with the branch column the file's rules
# already use) or fixed addresses. employee, manager_of, party and when read the rows' columns.
RULE_KEYS = ("role", "branch", "fallback", "addresses")
ADDRESS = re.compile(r"[^\s@]+@[^\s@]+")


class OverrideError(ValueError):
    """An override that cannot be applied or is refused; `errors` holds one line per problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Tunable:
    """A field of a family that an override may change, with its declared merge rules."""

    field: str
    kind: Kind
    merges: tuple[Merge, ...]
    description: str = ""
    stage: str | None = None
    target: str = ""  # the setting's name, or to / cc / bcc

    @property
    def default_merge(self) -> Merge:
        return self.merges[0]


@dataclass(frozen=True)
class FieldOverride:
    """One field's override in force: its value and merge rule, and who set it, when and why."""

    field: str
    value: Any
    merge: Merge = Merge.REPLACE
    id: int | None = None
    version: int = 0
    by: str = ""
    at: datetime | None = None
    reason: str = ""


def tunables(config: Any, settings_model: type[BaseModel]) -> list[Tunable]:
    """The fields of a validated family that may be tuned: every declared setting, the fixed copies
    of every message, and each stage's recipients (not for a family whose Python transform decides
    who gets what)."""
    found = [
        Tunable(
            f"settings.{name}",
            Kind.SETTING,
            (Merge.REPLACE,),
            description=info.description or "",
            target=name,
        )
        for name, info in settings_model.model_fields.items()
    ]
    found += [
        Tunable(
            name, Kind.ADDRESSES, (Merge.ADD, Merge.REPLACE), f"fixed addresses in {name} of every message"
        )
        for name in ("cc", "bcc")
    ]
    alert = getattr(config, "alert", None)
    if alert is not None and not alert.transform:
        for stage in alert.stages:
            for target in LISTS:
                merges = (Merge.REPLACE,) if target == "to" else (Merge.ADD, Merge.REPLACE)
                what = "who gets the message (a fallback chain)" if target == "to" else f"copied in {target}"
                found.append(
                    Tunable(
                        f"recipients.{stage.name}.{target}",
                        Kind.RULES,
                        merges,
                        f"stage {stage.name}: {what}",
                        stage=stage.name,
                        target=target,
                    )
                )
    return found


def find_tunable(items: Sequence[Tunable], name: str) -> Tunable:
    """The tunable field `name`; OverrideError with the closest name when there is none."""
    for item in items:
        if item.field == name:
            return item
    allowed = [item.field for item in items]
    close = difflib.get_close_matches(name, allowed, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return_error = f"{name}: unknown field{hint}; allowed: {', '.join(allowed)}"
    raise OverrideError([return_error])


def layer(raw: dict[str, Any], overrides: Iterable[FieldOverride]) -> dict[str, Any]:
    """The layered family mapping with `overrides` on top, each by its field's merge rule (a copy)."""
    merged = copy.deepcopy(raw)
    errors = []
    for item in overrides:
        try:
            _apply(merged, item)
        except OverrideError as exc:
            errors += exc.errors
    if errors:
        raise OverrideError(errors)
    return merged


def _apply(raw: dict[str, Any], item: FieldOverride) -> None:
    name = item.field
    if name.startswith("settings."):
        settings = raw.get("settings")
        raw["settings"] = {
            **(settings if isinstance(settings, dict) else {}),
            name.split(".", 1)[1]: item.value,
        }
        return
    if name in ("cc", "bcc"):
        raw[name] = _merged(raw.get(name), item)
        return
    parts = name.split(".")
    if len(parts) == 3 and parts[0] == "recipients" and parts[2] in LISTS:
        recipients = _stage_recipients(raw, parts[1], name)
        recipients[parts[2]] = _merged(recipients.get(parts[2]), item)
        return
    raise OverrideError([f"{name}: not a field an override may change"])


def _merged(current: Any, item: FieldOverride) -> list[Any]:
    if item.merge == Merge.ADD:
        return [*(current if isinstance(current, list) else []), *item.value]
    return list(item.value)


def _stage_recipients(raw: dict[str, Any], stage: str, name: str) -> dict[str, Any]:
    """The `recipients` mapping of stage `stage` in the raw `alert:` block (`main`: the shorthand)."""
    alert = raw.get("alert")
    if not isinstance(alert, dict):
        raise OverrideError([f"{name}: the family has no alert: block (its recipients are Python's)"])
    stages = alert.get("stages")
    if isinstance(stages, list):
        for item in stages:
            if isinstance(item, dict) and item.get("name", "main") == stage:
                recipients = item.setdefault("recipients", {})
                return recipients if isinstance(recipients, dict) else {}
    elif stage == "main":
        recipients = alert.setdefault("recipients", {})
        return recipients if isinstance(recipients, dict) else {}
    raise OverrideError([f"{name}: the family file has no stage {stage!r}"])


# --- values as people write them ------------------------------------------------------------------


def parse_setting(text: str, model: type[BaseModel], name: str) -> Any:
    """A setting's value written as in the YAML file (`5`, `[7, 1]`, `es`). A text setting keeps
    the text as written (YAML would read `no` as false)."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise OverrideError([f"settings.{name}: {problem} (given: {text!r})"]) from None
    info = model.model_fields.get(name)
    if not isinstance(value, str) and info is not None and _text_like(info.annotation):
        return text.strip()
    return value


def _text_like(annotation: Any) -> bool:
    if get_origin(annotation) in (Union, UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return len(args) == 1 and _text_like(args[0])
    if get_origin(annotation) is Literal:
        return all(isinstance(arg, str) for arg in get_args(annotation))
    return annotation in (str, EmailStr)


def parse_entries(entries: Iterable[str], kind: Kind, name: str) -> list[Any]:
    """Recipient entries, one per item: an address, or `role:<role>` with an optional
    `branch:<column>` (`role:service_manager branch:branch_id`). Addresses become one `addresses`
    rule (all of them get the message, wherever the first was written). The models check them."""
    cleaned = [entry.strip() for entry in entries if entry and entry.strip()]
    if kind == Kind.ADDRESSES:
        refused = [entry for entry in cleaned if entry.startswith("role:")]
        if refused:
            raise OverrideError(
                [f"{name}: takes addresses only; a role goes in a stage's recipients (given: {refused[0]!r})"]
            )
        return cleaned
    rules: list[dict[str, Any]] = []
    addresses: list[str] | None = None
    for entry in cleaned:
        if entry.startswith("role:"):
            words = entry.split()
            rule: dict[str, Any] = {"role": words[0].removeprefix("role:")}
            for word in words[1:]:
                key, colon, value = word.partition(":")
                if not colon or key not in ("branch", "fallback"):
                    raise OverrideError(
                        [f"{name}: write a role as role:<role> [branch:<column>] (given: {entry!r})"]
                    )
                rule[key] = value if key == "branch" else value.lower() not in ("false", "no", "0")
            rules.append(rule)
        elif addresses is None:
            addresses = [entry]
            rules.append({"addresses": addresses})
        else:
            addresses.append(entry)
    return rules


def check_rules(name: str, rules: Any, file_columns: set[str]) -> list[str]:
    """What an override's recipient rules may not say (beyond the models' own checks)."""
    errors = []
    for number, rule in enumerate(rules if isinstance(rules, list) else []):
        if not isinstance(rule, dict):
            continue
        extra = sorted(set(rule) - set(RULE_KEYS))
        if extra:
            errors.append(
                f"{name}[{number}]: an override names a role or addresses; {', '.join(extra)} "
                "read the rows' columns: change them in the family file"
            )
        branch = rule.get("branch")
        if branch and branch not in file_columns:
            allowed = ", ".join(sorted(file_columns)) or "none (the file's rules name no branch)"
            errors.append(
                f"{name}[{number}].branch: {branch!r} is not a branch column of this stage; "
                f"allowed: {allowed}"
            )
    return errors


def entry_lines(kind: Kind, value: Any) -> list[str]:
    """A recipient list as the entries people write (the inverse of `parse_entries`); rules that
    read the rows' columns are shown as the file says them (`employee:salesperson_id`)."""
    lines: list[str] = []
    for item in value if isinstance(value, list) else []:
        if kind == Kind.ADDRESSES or not isinstance(item, dict):
            lines.append(str(item))
        elif item.get("addresses"):
            lines += [str(address) for address in item["addresses"]]
        elif item.get("role"):
            extra = [f"branch:{item['branch']}"] if item.get("branch") else []
            extra += ["fallback:false"] if item.get("fallback") is False else []
            lines.append(" ".join([f"role:{item['role']}", *extra]))
        else:
            key = next((k for k in ("employee", "manager_of") if item.get(k)), None)
            if key:
                lines.append(f"{key}:{item[key]}")
            elif item.get("party"):
                party = item["party"]
                lines.append(f"party:{party.get('ref', '') if isinstance(party, dict) else party}")
            else:
                lines.append(str(item))
    return lines


def value_text(item: Tunable, value: Any) -> str:
    """A value as one line: a setting as in the YAML file, a recipient list as its entries."""
    if item.kind != Kind.SETTING:
        return ", ".join(entry_lines(item.kind, value))
    if isinstance(value, str):
        return value
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000, sort_keys=False)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def mask(value: Any) -> Any:
    """`value` with every address replaced: what summaries and task logs may hold."""
    if isinstance(value, str):
        return ADDRESS.sub("[address]", value)
    if isinstance(value, list):
        return [mask(item) for item in value]
    if isinstance(value, dict):
        return {key: mask(item) for key, item in value.items()}
    return value


@dataclass
class Diff:
    """A change of one field, as a line: `settings.days: 10 -> 5`."""

    field: str
    before: str
    after: str
    notes: list[str] = dataclasses.field(default_factory=list)  # `field` is a field's name here

    def line(self) -> str:
        return f"{self.field}: {self.before or '(none)'} -> {self.after or '(none)'}"
