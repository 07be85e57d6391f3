"""Family configuration files: one YAML file per alert family, validated with Pydantic.

Defaults are layered: the package defaults (the field defaults below), the dealership defaults
(`dags/families/_defaults.yaml`), the family file an instance names with `family:` (a second
configured copy of an alert: its own key, settings, recipients and ledger keys) and the family
file itself; mappings merge key by key, lists are replaced. A file that does not validate
raises `FamilyConfigError`, whose message names the file, each bad field, what was given and
what is allowed, so that Airflow shows it as the import error of that one DAG.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Sequence
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    EmailStr,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from alertas_rapidas.branding import BrandingConfig
from alertas_rapidas.delivery.sending_limits import SendingLimits
from alertas_rapidas.engine.spec import AlertSpec, StageSpec
from alertas_rapidas.models import StrictModel
from alertas_rapidas.paths import FAMILIES_DIR

DEFAULTS_FILE_NAME = "_defaults.yaml"
# Fields that hold for every family together (one mailbox, one bounce score per address): set in
# `_defaults.yaml` only, never in a family file.
DEALERSHIP_ONLY = ("sending_limits", "bounces")
KEY_PATTERN = r"^[a-z][a-z0-9_]{1,48}$"


class FamilyConfigError(ValueError):
    """A family config file is missing, unreadable or invalid."""


class ScheduleConfig(StrictModel):
    """When the family runs, in the dealership's time zone.

    `cron` is a 5-field cron expression. `interval` (e.g. `PT15M`, `PT1H`) makes the run's data
    interval `[T - interval, T)`; without it a run covers the instant T only.
    """

    cron: str = Field(
        min_length=9, max_length=120, description="a 5-field cron expression, in the family's `timezone`"
    )
    interval: timedelta | None = Field(
        default=None,
        description="an ISO 8601 duration (`PT15M`, `PT1H`): the run reads `[T - interval, T)`; "
        "without it, the instant T only",
    )
    business_days: bool = Field(
        default=False,
        description="fire only Monday to Friday, except Argentine national holidays and "
        "`extra_holidays`; a run then reads `[previous business-day run, T)` (Friday 08:00 -> "
        "Monday 08:00); manual and test runs always run",
    )
    extra_holidays: list[date] = Field(
        default_factory=list,
        description="further dates with no run (company holidays, bridge days), with `business_days`",
    )
    catch_up_last_missed: bool = Field(
        default=False,
        description="Airflow's own rule for missed fires: when the DAG is unpaused (or the "
        "scheduler comes back), the latest fire it missed runs at once. Default: missed fires are "
        "dropped and the first scheduled run is the next fire (one at most 5 minutes late still runs)",
    )

    @field_validator("cron")
    @classmethod
    def _five_fields(cls, value: str) -> str:
        from croniter import croniter  # Airflow's own cron library

        if len(value.split()) != 5 or not croniter.is_valid(value):
            raise ValueError(
                "must be a valid cron expression with 5 fields (minute 0-59, hour 0-23, day 1-31, "
                "month 1-12, weekday 0-6), e.g. '0 8 1 * *'"
            )
        return value

    @field_validator("interval")
    @classmethod
    def _positive(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value <= timedelta(0):
            raise ValueError("must be a positive duration, e.g. PT15M or PT1H")
        return value

    @model_validator(mode="after")
    def _holidays_need_business_days(self) -> ScheduleConfig:
        if self.extra_holidays and not self.business_days:
            raise ValueError("extra_holidays apply only with business_days: true")
        if self.business_days and self.interval:
            raise ValueError("business_days sets the window itself (from the previous run); drop interval")
        return self


class SenderConfig(StrictModel):
    """The From header. Without `address`, the `from_email` of the SMTP connection is used."""

    name: str | None = Field(default=None, max_length=120)
    address: EmailStr | None = None
    reply_to: EmailStr | None = None


class UnsubscribeConfig(StrictModel):
    """Where the `List-Unsubscribe` header of a `recurring` alert points (RFC 2369, RFC 8058).

    Each message gets its own token: the family, the recipient's DMS reference and language,
    signed with HMAC-SHA256 under the Airflow Variable `alertas_unsubscribe_secret` (never the
    address). With `url` the header also carries `List-Unsubscribe-Post` (one-click).
    """

    url: str | None = Field(
        default=None,
        max_length=500,
        description="an https URL holding `{token}` once, e.g. the plugin's endpoint "
        "`https://airflow.example.com/alertas-unsubscribe/{token}`; mailbox providers POST to it",
    )
    mailto: EmailStr | None = Field(
        default=None,
        description="a mailbox that takes unsubscribe requests by mail (subject `unsubscribe <token>`); "
        "record them with `ops unsubscribes --add TOKEN`",
    )

    @field_validator("url")
    @classmethod
    def _https_with_token(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from urllib.parse import urlsplit

        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError(
                "must be an https URL (RFC 8058 one-click needs https), e.g. https://host/path/{token}"
            )
        if value.count("{token}") != 1 or any(c in value for c in ' <>,"\r\n'):
            raise ValueError("must hold {token} exactly once and no blanks, commas or angle brackets")
        return value


class FreshnessRequirement(StrictModel):
    """An interface whose last successful run must be younger than `max_age` before the run."""

    interface: str = Field(pattern=r"^[A-Z][A-Z0-9_]{1,48}$")
    max_age: timedelta


class FreshnessWait(StrictModel):
    """How a family waits for `requires_fresh`: the sensor's mode, poke interval and timeout.

    On timeout the run ends without mailing and its summary names the stale interfaces.
    """

    mode: Literal["reschedule", "poke"] = "reschedule"
    poke_interval: timedelta = timedelta(minutes=5)
    timeout: timedelta = timedelta(hours=2)


class BouncesConfig(StrictModel):
    """The bounce mailbox and the bounce score (README "Bounces"): `_defaults.yaml` only.

    The DAG `alertas_bounces` reads the folder `folder` of the IMAP connection `imap_conn_id`
    (Airflow's IMAP provider: host, port, login, password; extra `use_ssl`), moves each delivery
    report it records to `processed_folder`, and leaves everything else where it is.
    """

    imap_conn_id: str = Field(default="imap_bounces", min_length=1, max_length=250)
    folder: str = Field(default="INBOX", min_length=1, max_length=200)
    processed_folder: str = Field(
        default="alertas-processed",
        min_length=1,
        max_length=200,
        description="where recorded reports are moved (created when missing); never deleted",
    )
    schedule: str = Field(default="*/30 * * * *", description="when the mailbox is read (cron, `timezone`)")
    threshold: float = Field(
        default=3.0,
        gt=0,
        le=100,
        description="the bounce score that suppresses an address (hard 1, soft 0.5, at most 1 a day)",
    )
    stale_after: timedelta = Field(
        default=timedelta(days=45),
        gt=timedelta(0),
        description="a score whose last counted bounce is older than this starts again from 0",
    )
    max_reports: int = Field(default=500, ge=1, le=100_000, description="reports read per run, at most")

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        return ScheduleConfig._five_fields(value)

    @field_validator("folder", "processed_folder")
    @classmethod
    def _folder_name(cls, value: str) -> str:
        if any(c in value for c in '"\\\r\n*%'):
            raise ValueError("a folder name without quotes, backslashes, line breaks, * or %")
        return value


class FamilyConfig(StrictModel):
    """One alert family: what it is, when it runs, who owns it and its family settings."""

    key: str = Field(pattern=KEY_PATTERN)
    # The family implementation (SQL, transform, templates) this file configures; defaults to
    # `key`. Lets one implementation serve several DAGs, e.g. a USD-only statement run.
    family: str | None = Field(default=None, pattern=KEY_PATTERN)
    title: str = Field(min_length=3, max_length=120)
    description: str = Field(min_length=10)
    audience: Literal["customers", "suppliers", "internal", "audit"]
    owner: str = Field(default="data-team", min_length=1, max_length=64)
    owners_email: list[EmailStr] = Field(default_factory=list)
    timezone: str = "America/Argentina/Buenos_Aires"
    schedule: ScheduleConfig
    start_date: date = date(2026, 1, 1)
    retries: int = Field(default=2, ge=0, le=10)
    retry_delay: timedelta = timedelta(minutes=5)
    max_retry_delay: timedelta = timedelta(hours=1)
    batch_size: int = Field(default=250, ge=1, le=5000)
    # Mapped tasks expected to run at once (Celery workers x concurrency): a run of several batches
    # gets a multiple of this many, so the last round keeps every slot busy.
    worker_slots: int = Field(default=2, ge=1, le=256)
    batches_per_slot: int = Field(
        default=16,
        ge=1,
        le=1024,
        description="at most `worker_slots` x this many batches a run: a larger run gets larger batches "
        "(past `batch_size`, up to 5,000 messages) rather than more mapped tasks",
    )
    statement_timeout: timedelta = timedelta(minutes=2)
    claim_lease: timedelta = Field(
        default=timedelta(minutes=10),
        ge=timedelta(seconds=2),
        le=timedelta(hours=24),
        description="how long a message claimed for sending (`sending`) outlives its deliver task's "
        "last heartbeat (the task beats four times a lease): past it, or as soon as Airflow says the "
        'task is not running, the message becomes `unknown` (README "Recovery")',
    )
    sender: SenderConfig = SenderConfig()
    # The dealership's logo and letterhead lines on every PDF and in the HTML mail header.
    branding: BrandingConfig = BrandingConfig()
    cc: list[EmailStr] = Field(default_factory=list)
    bcc: list[EmailStr] = Field(default_factory=list)
    # Special-use domains (`local`, `test`, or one under them like `intranet.local`) whose addresses
    # are delivered instead of skipped as `reserved_domain`: an internal network's own mail domain.
    allowed_special_domains: list[str] = Field(default_factory=list)
    # A recurring customer alert (statements, reminders, greetings; not a legal document): its
    # messages carry List-Unsubscribe headers and skip recipients who unsubscribed (`unsubscribed`).
    recurring: bool = Field(
        default=False,
        description="a recurring customer alert (statements, reminders, greetings; not a legal "
        "document): `List-Unsubscribe` headers, and recipients who unsubscribed are skipped (`unsubscribed`)",
    )
    unsubscribe: UnsubscribeConfig = UnsubscribeConfig()
    sending_limits: SendingLimits | None = Field(
        default=None,
        description='the SMTP connection\'s sending limits (README "Sending limits"), when its '
        "`sending_limits` extra sets none; counted across every family and worker; `_defaults.yaml` only",
    )
    bounces: BouncesConfig = Field(
        default_factory=BouncesConfig,
        description='the bounce mailbox and the bounce score (README "Bounces"); `_defaults.yaml` only',
    )
    requires_fresh: list[FreshnessRequirement] = Field(default_factory=list)
    freshness_wait: FreshnessWait = FreshnessWait()
    settings: dict[str, Any] = Field(default_factory=dict)
    # A configured family: its rows, recipients, grouping, keys and attachments (docs "Add an
    # alert"). Without it the family is a Python module under alertas_rapidas.families.
    alert: AlertSpec | None = None
    # The file it was read from (its folder tells where a family kept outside the package finds
    # its SQL and templates).
    _source: Path | None = PrivateAttr(default=None)

    @property
    def source(self) -> Path | None:
        return self._source

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone, e.g. America/Argentina/Buenos_Aires") from None
        return value

    @field_validator("allowed_special_domains")
    @classmethod
    def _special_use_only(cls, value: list[str]) -> list[str]:
        from alertas_rapidas.recipients import (
            SPECIAL_USE_DOMAIN_NAMES,
            clean_special_domains,
            special_use_suffix,
        )

        for domain in clean_special_domains(value):
            if special_use_suffix(domain) is None:
                raise ValueError(
                    f"{domain!r} is not a special-use domain (one of {', '.join(SPECIAL_USE_DOMAIN_NAMES)}, "
                    "or a name under one); other domains need no allowing"
                )
        return list(clean_special_domains(value))

    @model_validator(mode="after")
    def _recurring_can_unsubscribe(self) -> FamilyConfig:
        if self.recurring and self.audience not in ("customers", "suppliers"):
            raise ValueError(
                f"recurring: applies to customer and supplier alerts, not to audience {self.audience!r}"
            )
        if self.recurring and not (self.unsubscribe.url or self.unsubscribe.mailto):
            raise ValueError(
                "recurring: true needs unsubscribe.url or unsubscribe.mailto (set them in _defaults.yaml)"
            )
        return self

    @property
    def dag_id(self) -> str:
        return f"alert_{self.key}"

    @property
    def implementation(self) -> str:
        return self.family or self.key


def load_bounces_config(families_dir: Path = FAMILIES_DIR) -> BouncesConfig:
    """The `bounces` section of `_defaults.yaml` (the package's defaults where it sets none)."""
    path = families_dir / DEFAULTS_FILE_NAME
    raw = _read_yaml(path).get("bounces") if path.exists() else None
    try:
        return BouncesConfig.model_validate(raw or {})
    except ValidationError as exc:
        shown = _display_path(path)
        raise FamilyConfigError(describe_errors(shown, exc, BouncesConfig, prefix="bounces")) from None


def dealership_timezone(families_dir: Path = FAMILIES_DIR) -> str:
    """The `timezone` of `_defaults.yaml` (the package's default where it sets none)."""
    path = families_dir / DEFAULTS_FILE_NAME
    zone = _read_yaml(path).get("timezone") if path.exists() else None
    return str(zone or FamilyConfig.model_fields["timezone"].default)


def load_family_config(path: Path, overrides: Sequence[Any] = ()) -> tuple[FamilyConfig, BaseModel]:
    """Read, layer and validate one family file; return the config and its typed settings.

    `overrides` (`overrides.FieldOverride`s, from the package's database) are the top layer: each
    merged by its field's rule before validation, so a value is checked by the same models, with
    the same messages, as if the file said it (docs/writing-alerts.md, "Tune an alert")."""
    raw = _layered(path)
    shown = _display_path(path)
    if overrides:
        from alertas_rapidas.overrides import OverrideError, layer

        shown = f"{path.stem} (overrides over {shown})"
        try:
            raw = layer(raw, overrides)
        except OverrideError as exc:
            raise FamilyConfigError(
                "\n".join([f"Invalid alert config {shown}:", *(f"  - {e}" for e in exc.errors)])
            ) from None
    try:
        config = FamilyConfig.model_validate(raw)
    except ValidationError as exc:
        raise FamilyConfigError(describe_errors(shown, exc, FamilyConfig)) from None
    if config.key != path.stem:
        raise FamilyConfigError(
            f"Invalid alert config {shown}:\n  - key: is {config.key!r} but the file is named "
            f"{path.name!r}; the key must equal the file name without .yaml"
        )
    config._source = path
    settings_model = _settings_model(config, shown)
    try:
        settings = settings_model.model_validate(config.settings)
    except ValidationError as exc:
        raise FamilyConfigError(describe_errors(shown, exc, settings_model, prefix="settings")) from None
    failed = _failed_checks(config, settings)
    if failed:
        raise FamilyConfigError("\n".join([f"Invalid alert config {shown}:", *failed]))
    return config, settings


def _failed_checks(config: FamilyConfig, settings: BaseModel) -> list[str]:
    """The `alert.checks` the settings break, each as an error line naming `settings`."""
    if config.alert is None or not config.alert.checks:
        return []
    from alertas_rapidas.engine.templating import fill, holds

    values = settings.model_dump()
    return [
        f"  - settings: {fill(check.message, values)}"
        for check in config.alert.checks
        if not holds(check.require, values)
    ]


def _settings_model(config: FamilyConfig, shown: str) -> type[BaseModel]:
    if config.alert is not None:
        from alertas_rapidas.engine.settings import settings_model

        return settings_model(config.implementation, config.alert.settings)
    from alertas_rapidas.families import get_family  # the registry imports this module's types

    try:
        return get_family(config.implementation).settings_model
    except KeyError as exc:
        field = "family" if config.family else "key"
        hint = "; a configured family needs an `alert:` block (docs/add-an-alert.md)"
        raise FamilyConfigError(f"Invalid alert config {shown}:\n  - {field}: {exc.args[0]}{hint}") from None


def layered(path: Path) -> dict[str, Any]:
    """The family file's mapping over `_defaults.yaml` (and the file an instance names), before
    validation: what the file says, the base of overrides."""
    return _layered(path)


def _layered(path: Path) -> dict[str, Any]:
    defaults_path = path.parent / DEFAULTS_FILE_NAME
    merged: dict[str, Any] = _read_yaml(defaults_path) if defaults_path.exists() else {}
    family = _read_yaml(path)
    for name in DEALERSHIP_ONLY:
        if name in family and path.name != DEFAULTS_FILE_NAME:
            raise FamilyConfigError(
                f"Invalid alert config {_display_path(path)}:\n  - {name}: set it in "
                f"dags/families/{DEFAULTS_FILE_NAME} only: it holds for every family together"
            )
    base_key = family.get("family")
    base_path = path.parent / f"{base_key}.yaml" if isinstance(base_key, str) else None
    if base_path is not None and base_path != path and base_path.exists():
        base = _read_yaml(base_path)
        if "family" in base:
            raise FamilyConfigError(
                f"Invalid alert config {_display_path(path)}:\n  - family: {base_key!r} is itself an "
                f"instance of {base['family']!r}; name the original family file"
            )
        merged = _merge(merged, base)
        _own_description_if_rule_differs(path, family, str(base_key))
    return _merge(merged, family)


# The fields of an instance that change what the alert does: its rule, which `description` says.
RULE_FIELDS = ("settings", "alert", "schedule")


def _own_description_if_rule_differs(path: Path, instance: dict[str, Any], base_key: str) -> None:
    """An instance that changes the rule (settings, alert block, schedule) says what its own rule
    is: inheriting the original's `description` would put a wrong rule in its DAG's docs."""
    changed = [name for name in RULE_FIELDS if instance.get(name)]
    if changed and not instance.get("description"):
        raise FamilyConfigError(
            f"Invalid alert config {_display_path(path)}:\n  - description: required: this instance of "
            f"{base_key!r} sets its own {', '.join(changed)}, so the original's description does not "
            "say what it does; write what this one sends, to whom and when"
        )


def _merge(lower: dict[str, Any], upper: dict[str, Any]) -> dict[str, Any]:
    """`upper` over `lower`: mappings merged key by key, anything else replaced."""
    merged = dict(lower)
    for name, value in upper.items():
        if isinstance(value, dict) and isinstance(merged.get(name), dict):
            merged[name] = _merge(merged[name], value)
        else:
            merged[name] = value
    return merged


# libyaml's parser when PyYAML has it (its wheels do): a DAG processor reads every family file,
# `_defaults.yaml` and the files instances name, and the pure-Python parser was half of that.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> dict[str, Any]:
    """A family file's mapping (a copy: callers merge into it)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise FamilyConfigError(f"Alert config {_display_path(path)} does not exist") from None
    return copy.deepcopy(_parsed(path, stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=256)
def _parsed(path: Path, _mtime_ns: int, _size: int) -> dict[str, Any]:
    """Parsed once per process and file version (every DAG file of a DagBag reads `_defaults.yaml`)."""
    shown = _display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FamilyConfigError(f"Alert config {shown} does not exist") from None
    try:
        data = yaml.load(text, Loader=_YAML_LOADER)  # a safe loader: plain data only
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise FamilyConfigError(f"Alert config {shown} is not valid YAML{where}: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise FamilyConfigError(
            f"Alert config {shown} must be a mapping of field: value, not {type(data).__name__}"
        )
    return data


def describe_errors(
    shown: str,
    exc: ValidationError,
    model: type[BaseModel],
    prefix: str | None = None,
    what: str = "alert config",
) -> str:
    """A validation error as a person reads it: the file, then each field, what was wrong, what
    was given (not whole sections) and, for an unknown field, the closest allowed name."""
    lines = [f"Invalid {what} {shown}:"]
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        field = ".".join([prefix, *loc] if prefix else loc) or "(file)"
        if error["type"] == "extra_forbidden":
            lines.append(f"  - {field}: unknown field{_suggestion(model, loc)}")
            continue
        given = error.get("input")
        shown_input = "" if isinstance(given, dict) else f" (given: {given!r})"
        lines.append(f"  - {field}: {error['msg'].removeprefix('Value error, ')}{shown_input}")
    return "\n".join(lines)


def _suggestion(model: type[BaseModel], loc: list[str]) -> str:
    target: Any = model
    for part in loc[:-1]:
        target = _unwrapped(target)
        if isinstance(target, type) and issubclass(target, BaseModel):
            field = target.model_fields.get(part)
            target = getattr(field, "annotation", None)
        elif get_origin(target) in (list, dict):  # `part` is an item's index or key
            target = get_args(target)[-1]
        else:
            return ""
    target = _unwrapped(target)
    names = set(getattr(target, "model_fields", {}))
    if target is AlertSpec:  # the one stage's fields may stand at the top (the shorthand)
        names |= set(StageSpec.model_fields) - {"name"}
    allowed = sorted(names)
    if not allowed:
        return ""
    close = difflib.get_close_matches(loc[-1], allowed, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{hint}; allowed: {', '.join(allowed)}"


def _unwrapped(annotation: Any) -> Any:
    """`X | None` as X (a field's model behind an optional)."""
    if get_origin(annotation) in (Union, UnionType):
        kept = [arg for arg in get_args(annotation) if arg is not type(None)]
        return kept[0] if len(kept) == 1 else annotation
    return annotation


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(FAMILIES_DIR.resolve().parents[1]))
    except ValueError:
        return str(path)
