"""The `alert:` block of a configured family file: its whole behaviour, checked on load.

    alert:
      settings:   {days: {type: int, default: 7, min: 1}}      # declared settings
      rows:       {sql: my_alert/rows.sql, details: {lines: {sql: my_alert/lines.sql, key: order_id}}}
      columns:    {amount: {kind: money, label: {es: Importe, en: Amount}}}
      recipients: {to: [{role: treasury, branch: branch_id}]}  # a fallback chain
      grouping:   digest                                      # per_row | digest | report
      once_per:   "cheques:{branch_id}:{run_date}"           # the ledger's business key
      repeat:     {every_days: 7, max_times: 3}
      empty:      silent                                      # silent | message
      attachments: [{kind: xlsx, filename: {es: cheques-{run_date}, en: cheques-{run_date}}}]

A family with several steps (customer, then staff; dunning levels) lists `stages:`, each with its
own `when`, recipients, grouping and key; the fields above are then the one stage's shorthand.
Rules between settings go under `checks:` (refused when the file is loaded):

      checks: [{require: "escalate_after_days >= days_overdue", message: "..."}]
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, EmailStr, Field, field_validator, model_validator

from alertas_rapidas.engine.settings import SettingSpec, TextByLanguage
from alertas_rapidas.engine.templating import TemplateError, check_condition, condition_names, field_names
from alertas_rapidas.families._common import EmployeeRole
from alertas_rapidas.models import StrictModel

COLUMN = r"^[a-z_][a-z0-9_]{0,62}$"
# Names a template cannot reach as `row.<name>`: Jinja finds the dict method first.
SHADOWED = frozenset(name for name in dir(dict) if not name.startswith("_"))
SQL_FILE = r"^[a-z0-9_]+(/[a-z0-9_]+)*\.sql$"
# The run's values every query gets as parameters (engine.family.sql_params binds them).
RUN_PARAMETERS = ("run_date", "at", "window_start", "window_end", "timezone", "iso_week", "month", "year")
# Parameters the engine binds itself (the run's values and a detail's keys): no lookup takes them.
RESERVED_PARAMETERS = frozenset({*RUN_PARAMETERS, "parent_keys"})
TEMPLATE_STEM = r"^[a-z0-9_]+$"
SETTING_FIELD = r"^\{[a-z_][a-z0-9_]{0,62}\}$"  # "{days}": the value of one setting

ColumnKind = Literal["text", "money", "date", "instant", "int", "quantity", "number", "bool", "list"]
Grouping = Literal["per_row", "digest", "report"]


def _template(value: str) -> str:
    try:
        field_names(value)
    except TemplateError as exc:
        raise ValueError(str(exc)) from None
    return value


def _condition(value: str) -> str:
    try:
        check_condition(value)
    except TemplateError as exc:
        raise ValueError(str(exc)) from None
    return value


# A `when:` / `require:` condition: a Jinja expression, checked to parse when the file loads.
Condition = Annotated[str, AfterValidator(_condition)]


class ColumnSpec(StrictModel):
    """How a column of the rows is read, shown and labelled.

    `kind` converts the value (money to exact cents, dates to ISO, instants to the dealership's
    local time); `label` is the column's heading in tables, in each language; `total` adds it up
    in the table's total row; `by_language: true` reads `<name>_es` / `<name>_en` and keeps the
    one of the mail's language under `<name>`.
    """

    kind: ColumnKind = Field(
        default="text",
        description="how the value is read: money as exact cents, date as YYYY-MM-DD, instant in the "
        "dealership's time zone, list as a list of texts (undeclared columns keep their own type)",
    )
    label: TextByLanguage | None = Field(
        default=None, description="the column's heading in tables, per language (default: its name)"
    )
    total: bool = Field(
        default=False,
        description="add the column up: the table's total row and `totals.<name>` in templates",
    )
    by_language: bool = Field(
        default=False,
        description="read `<name>_es` and `<name>_en`; `<name>` holds the one of the mail's language",
    )
    when: Condition | None = Field(
        default=None,
        description="a condition on the settings: the column is shown in tables only when it holds "
        "(e.g. `scope == 'warehouse'`)",
    )

    @model_validator(mode="after")
    def _totals_are_numbers(self) -> ColumnSpec:
        if self.total and self.kind not in ("money", "int", "quantity", "number"):
            raise ValueError("`total: true` needs a money, int, quantity or number column")
        return self


class QuerySpec(StrictModel):
    """A SQL file under `sql/`, run on the DMS (default) or on the package's own database."""

    sql: str = Field(
        pattern=SQL_FILE,
        description="the SQL file, relative to `sql/` (e.g. `my_alert/rows.sql`); named parameters only",
    )
    database: Literal["dms", "alerts"] = Field(
        default="dms",
        description="`dms` (connection `dms_postgres`, read only) or `alerts` (the package's own "
        "database, `alerts_postgres`)",
    )


class DetailSpec(QuerySpec):
    """Rows attached to each main row by `key`: the detail query gets the main rows' values of
    `key` as the array parameter `%(parent_keys)s` (it never restates the main query's filter),
    and returns `key` as a column; each main row gets its detail rows as a list under the
    detail's name."""

    key: str = Field(
        pattern=COLUMN,
        description="the column both queries return that ties a detail row to its main row",
    )


class RowsSpec(QuerySpec):
    """The main query: one row per entity the alert is about."""

    details: dict[str, DetailSpec] = Field(
        default_factory=dict,
        description="detail queries by name; each main row gets its detail rows as a list under the "
        "name (e.g. `row.invoices`)",
    )
    lookups: dict[str, QuerySpec] = Field(
        default_factory=dict,
        description="queries run first, by name, each returning one column: its values are bound as "
        "the array parameter `%(<name>)s` of the other queries (e.g. addresses the package's own "
        "database holds, for a query on the DMS)",
    )

    @field_validator("lookups")
    @classmethod
    def _lookup_names(cls, value: dict[str, QuerySpec]) -> dict[str, QuerySpec]:
        for name in value:
            if not re.match(COLUMN, name) or name in RESERVED_PARAMETERS:
                raise ValueError(
                    f"lookup name {name!r} must be lower snake case and not one of "
                    f"{', '.join(sorted(RESERVED_PARAMETERS))}"
                )
        return value

    @field_validator("details")
    @classmethod
    def _names(cls, value: dict[str, DetailSpec]) -> dict[str, DetailSpec]:
        for name in value:
            if not re.match(COLUMN, name):
                raise ValueError(f"detail name {name!r} must be lower snake case")
            if name in SHADOWED:
                raise ValueError(
                    f"detail name {name!r} hides a built-in of templates; pick another, e.g. {name}_list"
                )
        return value


class PartyColumns(StrictModel):
    """A recipient described by the row's own columns (a customer, a supplier, a lead).

    Skip reasons as for customers everywhere: `inactive`, `opted_out`, `no_email`,
    `malformed_email`. `ref` names the party in the ledger, e.g. "customer:{customer_id}".
    """

    ref: str = Field(description="the party's ledger reference, a `{column}` template")
    email: str = Field(default="email", pattern=COLUMN, description="the column with the address")
    cc: str | None = Field(
        default=None, pattern=COLUMN, description="a column with a list of addresses copied (CC)"
    )
    name: str | None = Field(
        default=None, pattern=COLUMN, description="the column with the name (To header, `recipient_name`)"
    )
    language: str | None = Field(
        default=None,
        pattern=COLUMN,
        description="the column with the party's language (`en`, else Spanish); wins over "
        "`recipients.language`",
    )
    active: str | None = Field(
        default=None, pattern=COLUMN, description="a column false for an inactive party (`inactive`)"
    )
    opted_out: str | None = Field(
        default=None, pattern=COLUMN, description="a column true for a party that opted out (`opted_out`)"
    )

    @field_validator("ref")
    @classmethod
    def _ref_template(cls, value: str) -> str:
        return _template(value)


class RecipientRule(StrictModel):
    """One way to find who gets the message; exactly one of:

    - `party`: the row's own address columns;
    - `employee: <column>`: the employee whose id the column holds (salesperson, owner);
    - `manager_of: <column>`: that employee's manager (`no_manager` when there is none);
    - `role: <role>` with `branch: <column>`: the active holders of the role in the row's
      branch, else the dealership-level holders (no branch); without `branch`: the
      dealership-level holders, else every active holder; `fallback: false` keeps to the first
      of the two groups (a row whose branch is empty: the dealership-level holders);
    - `addresses: [...]`: fixed addresses.

    `when` (any rule): a condition on the row's columns, the settings and the run's values; the
    rule is tried only where it holds (e.g. `when: "scope == 'dealership'"`).
    """

    party: PartyColumns | None = Field(default=None, description="the row's own address columns")
    employee: str | None = Field(
        default=None, pattern=COLUMN, description="a column with an employee id: that employee"
    )
    manager_of: str | None = Field(
        default=None, pattern=COLUMN, description="a column with an employee id: that employee's manager"
    )
    role: EmployeeRole | None = Field(default=None, description="the active holders of this role")
    branch: str | None = Field(
        default=None,
        pattern=COLUMN,
        description="with `role`: the column with the row's branch; its holders first, then the "
        "dealership-level ones",
    )
    fallback: bool = Field(
        default=True, description="with `role`: `false` keeps to the first group of holders"
    )
    addresses: list[EmailStr] | None = Field(
        default=None, description="fixed addresses (ledger reference `address:<address>`)"
    )
    when: Condition | None = Field(
        default=None,
        description="a condition on the row, the settings and the run values: the rule is tried only "
        "where it holds",
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> RecipientRule:
        given = [
            name for name in ("party", "employee", "manager_of", "role", "addresses") if getattr(self, name)
        ]
        if len(given) != 1:
            raise ValueError(
                "a recipient rule names exactly one of party, employee, manager_of, role, addresses"
                + (f" (given: {', '.join(given)})" if given else "")
            )
        if self.branch and not self.role:
            raise ValueError("`branch` goes with `role`")
        if not self.fallback and not self.role:
            raise ValueError("`fallback` goes with `role`")
        return self

    @property
    def uses_staff(self) -> bool:
        return bool(self.employee or self.manager_of or self.role)

    def columns(self) -> set[str]:
        if self.party:
            party = self.party
            named = {party.email, party.cc, party.name, party.language, party.active, party.opted_out}
            return {c for c in named if c} | set(field_names(party.ref))
        return {c for c in (self.employee, self.manager_of, self.branch) if c}


class RecipientsSpec(StrictModel):
    """Who gets each message.

    `to` is a fallback chain: the first rule that finds someone with a usable address wins
    (when none does, the reason of the first rule that found somebody is recorded). `cc` and
    `bcc` add every usable address of each rule; CC never gets a message alone. Each person
    found gets a message of their own, unless `together_as` names one message to all of them
    (e.g. `"branch:{branch_id}"`, the ledger's recipient reference). `language`: es or en for
    messages to staff (a party's language column wins), a `{setting}` template allowed.
    """

    to: list[RecipientRule] = Field(
        min_length=1, description="a fallback chain: the first rule that finds a usable address wins"
    )
    cc: list[RecipientRule] = Field(
        default_factory=list, description="every usable address of each rule is copied"
    )
    bcc: list[RecipientRule] = Field(
        default_factory=list, description="every usable address of each rule gets a blind copy"
    )
    together_as: str | None = Field(
        default=None,
        description="one message to everyone found, under this ledger reference (a `{column}` "
        "template); without it each person gets their own",
    )
    language: str = Field(
        default="es",
        description="`es` or `en` for messages to staff (a party's language column wins); "
        "may be a `{setting}`",
    )

    @field_validator("together_as", "language")
    @classmethod
    def _templates(cls, value: str | None) -> str | None:
        return value if value is None else _template(value)

    def rules(self) -> list[RecipientRule]:
        return [*self.to, *self.cc, *self.bcc]


class RepeatSpec(StrictModel):
    """Send again every `every_days` days while the row still qualifies, `max_times` in all.
    Either may be a `{setting}` naming a declared int setting (a threshold people edit)."""

    every_days: Annotated[int, Field(ge=1, le=365)] | Annotated[str, Field(pattern=SETTING_FIELD)] = Field(
        description="days from one send of a key to the next: a number, or a `{setting}` naming a "
        "declared int setting"
    )
    max_times: Annotated[int, Field(ge=1, le=100)] | Annotated[str, Field(pattern=SETTING_FIELD)] = Field(
        description="sends in all, the first included: a number, or a `{setting}` naming a declared "
        "int setting"
    )


class StageSpec(StrictModel):
    """One step of an alert: which rows (`when`), to whom, grouped how, keyed how.

    `when` is a Jinja expression over the row's columns, the settings and the run's values, plus
    `reached` (the stages before this one that reached somebody for the row) and `missed`
    ({stage: skip reason} of those that found nobody usable for it). `row_ref` names a row in the
    ledger when it reaches nobody (e.g. "crm_contact:{contact_id}").
    """

    name: str = Field(
        default="main",
        pattern=TEMPLATE_STEM,
        description="the stage's name, as `reached`, `missed` and `stage` show it",
    )
    when: Condition | None = Field(
        default=None,
        description="which rows the stage takes: a condition on the row, the settings, the run "
        "values, `reached` and `missed` (default: every row)",
    )
    grouping: Grouping = Field(
        default="per_row",
        description="`per_row`: a message per row; `digest`: one per person found, with their rows; "
        "`report`: one per `group_by` value (one in all without it)",
    )
    group_by: list[str] = Field(
        default_factory=list,
        description="with `report`: columns whose distinct values make one report each",
    )
    recipients: RecipientsSpec = Field(description="who gets the messages")
    once_per: str = Field(
        min_length=1,
        description="the ledger's business key, a `{value}` template over the row (a report's first "
        "row; a digest: run values and settings only); a key sent to a recipient is never sent again",
    )
    repeat: RepeatSpec | None = Field(
        default=None, description="send again while the row still qualifies, as `<key>#2`, `<key>#3`..."
    )
    row_ref: str | None = Field(
        default=None,
        description="the ledger reference of a row that reaches nobody, a `{column}` template",
    )
    row_key: str | None = Field(
        default=None,
        description="with `digest`: each row's own business key (e.g. `quote:{quote_id}:{valid_until}`); "
        "a digest then lists only the rows not yet sent to that person (or due again under `repeat`), "
        "records them as sent with it, and is not sent when none remain",
    )
    row_covers: str | None = Field(
        default=None,
        pattern=COLUMN,
        description="with `row_key`: a list column of further row keys a sent row settles, recorded as "
        "sent with it (e.g. the lower dunning levels a catch-up skips, so that none follows later)",
    )
    # Rows in `top` (the body's list): a number, or a `{setting}` naming a declared int setting.
    body_rows: Annotated[int, Field(ge=0, le=500)] | Annotated[str, Field(pattern=SETTING_FIELD)] = Field(
        default=20,
        description="rows in `top` (the body's list): a number, or a `{setting}` naming a declared "
        "int setting",
    )

    @field_validator("once_per", "row_ref", "row_key")
    @classmethod
    def _templates(cls, value: str | None) -> str | None:
        if value is not None and "#" in value:
            raise ValueError("must not contain '#' (the ledger marks repeats with it)")
        return value if value is None else _template(value)

    @model_validator(mode="after")
    def _grouping_fits(self) -> StageSpec:
        if self.group_by and self.grouping != "report":
            raise ValueError("`group_by` is for `grouping: report` (one report per distinct value)")
        if self.grouping == "digest" and self.recipients.together_as:
            raise ValueError("a digest goes to each person found; `together_as` is for per_row and report")
        if self.row_key and self.grouping != "digest":
            raise ValueError(
                "`row_key` is for `grouping: digest` (per_row and report messages key themselves)"
            )
        if self.row_covers and not self.row_key:
            raise ValueError("`row_covers` goes with `row_key` (the further keys a row's send settles)")
        return self


class TableSpec(StrictModel):
    """The report table of digests and reports (mail body, XLSX, PDF): title and columns."""

    title: TextByLanguage = Field(description="the title, per language (sheet name, PDF heading)")
    sheet: TextByLanguage | None = Field(
        default=None,
        description="the XLSX sheet's name, per language, at most 31 characters (default: the title, "
        "shortened to the whole words that fit)",
    )
    columns: list[str] = Field(min_length=1, description="declared `columns`, in the table's order")
    when: Condition | None = Field(
        default=None,
        description="in `tables`: a condition on each row (its columns, the settings, the run values): "
        "the rows this table lists (default: all)",
    )

    @field_validator("sheet")
    @classmethod
    def _sheet_fits(cls, value: TextByLanguage | None) -> TextByLanguage | None:
        for language in ("es", "en"):
            text = getattr(value, language) if value else ""
            if len(text) > 31:
                raise ValueError(f"sheet.{language} is {len(text)} characters; a sheet name has at most 31")
        return value


class AttachmentRule(StrictModel):
    """An attachment: the table as `xlsx` or `pdf_table`, or a `pdf` document from the
    template `<template>.html` (or `<template>.<lang>.html`) of the family's folder.

    `filename` (without extension) is a `{value}` template, per language or one for both;
    `when` a condition on the settings (e.g. `"'xlsx' in attachments"`).
    """

    kind: Literal["xlsx", "pdf_table", "pdf"] = Field(
        description="`xlsx`: the table as a sheet; `pdf_table`: the table as a PDF (`_reports/table`); "
        "`pdf`: a document from `template`"
    )
    filename: TextByLanguage | str = Field(
        description="the file name without extension, a `{value}` template, per language or one for both"
    )
    template: str | None = Field(
        default=None,
        pattern=TEMPLATE_STEM,
        description="with `pdf`: the template's stem in the family's folder",
    )
    when: Condition | None = Field(
        default=None,
        description="a condition on the settings, the run values and the message's (first) row: "
        "attached only when it holds",
    )
    sheets: list[str] = Field(
        default_factory=list,
        description="with `xlsx`: names of `tables`, one sheet each in this order (default: the `table` "
        "as the one sheet)",
    )

    @model_validator(mode="after")
    def _fits(self) -> AttachmentRule:
        if (self.kind == "pdf") != bool(self.template):
            raise ValueError("a `pdf` attachment names its `template`; xlsx and pdf_table take none")
        if self.sheets and self.kind != "xlsx":
            raise ValueError("`sheets` is for `xlsx` attachments")
        for name in self.filenames():
            _template(name)
        return self

    def filenames(self) -> list[str]:
        return [self.filename] if isinstance(self.filename, str) else [self.filename.es, self.filename.en]


class CheckSpec(StrictModel):
    """A rule the settings must keep, checked when the family file is loaded: `require` is a
    condition on the declared settings; `message` (a `{setting}` template) says what is wrong
    when it does not hold, e.g. "escalate_after_days ({escalate_after_days}) must be at least
    days_overdue ({days_overdue})"."""

    require: Condition = Field(
        min_length=1, description="a condition on the declared settings that must hold"
    )
    message: str = Field(
        min_length=1, max_length=400, description="what is wrong when it does not, a `{setting}` template"
    )

    @field_validator("message")
    @classmethod
    def _message_template(cls, value: str) -> str:
        return _template(value)

    def names(self) -> set[str]:
        return condition_names(self.require) | set(field_names(self.message))


_STAGE_FIELDS = {
    "when",
    "grouping",
    "group_by",
    "recipients",
    "once_per",
    "repeat",
    "row_ref",
    "row_key",
    "row_covers",
    "body_rows",
}


class AlertSpec(StrictModel):
    """The `alert:` block: see the module docstring and docs/writing-alerts.md."""

    settings: dict[str, SettingSpec] = Field(
        default_factory=dict,
        description="the settings the family declares, by name; their values go in the file's `settings:`",
    )
    checks: list[CheckSpec] = Field(
        default_factory=list, description="rules between settings, checked when the file is loaded"
    )
    rows: RowsSpec = Field(description="the main query, with its detail queries")
    columns: dict[str, ColumnSpec] = Field(
        default_factory=dict,
        description="how columns are read, shown and labelled, by name (others are read by their type)",
    )
    table: TableSpec | None = Field(
        default=None, description="the report table of digests and reports (body, XLSX, PDF)"
    )
    tables: dict[str, TableSpec] = Field(
        default_factory=dict,
        description="further tables of digests and reports by name, each of the rows its `when` "
        "selects: `tables.<name>` in templates, sheets of an xlsx attachment (`sheets`)",
    )
    stages: list[StageSpec] = Field(
        min_length=1,
        description="the steps, in order; or one stage's fields given directly under `alert:`",
    )
    empty: Literal["silent", "message"] = Field(
        default="silent",
        description="no rows: `silent` sends nothing; `message` still sends the (one) report",
    )
    attachments: list[AttachmentRule] = Field(
        default_factory=list, description="files attached to every message"
    )
    # Escape hatch: "module:function" of a Python transform (frames, settings, run) -> Plan, for
    # logic the fields above cannot say (running balances); the rows, settings and templates
    # stay here. Keep such a module under plugins/alertas_rapidas/transforms/.
    transform: str | None = Field(
        default=None,
        pattern=r"^[a-z_][a-z0-9_.]*:[a-z_][a-z0-9_]*$",
        description="escape hatch: a Python transform `module:function` (frames, settings, run) -> Plan "
        "instead of the engine's",
    )

    @model_validator(mode="before")
    @classmethod
    def _one_stage_shorthand(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        shorthand = {name: data[name] for name in _STAGE_FIELDS if name in data}
        if shorthand and "stages" in data:
            raise ValueError(
                f"give either `stages:` or the one stage's fields ({', '.join(sorted(shorthand))}), not both"
            )
        if shorthand:
            rest = {name: value for name, value in data.items() if name not in _STAGE_FIELDS}
            return {**rest, "stages": [shorthand]}
        return data

    @field_validator("settings")
    @classmethod
    def _setting_names(cls, value: dict[str, SettingSpec]) -> dict[str, SettingSpec]:
        for name in value:
            if not re.match(COLUMN, name):
                raise ValueError(f"setting name {name!r} must be lower snake case")
        return value

    @model_validator(mode="after")
    def _coherent(self) -> AlertSpec:
        clash = sorted(set(self.rows.lookups) & set(self.settings))
        if clash:
            raise ValueError(f"rows.lookups and settings share the names {', '.join(clash)}: rename one")
        names = [stage.name for stage in self.stages]
        if len(set(names)) != len(names):
            raise ValueError(f"stage names must differ (given: {', '.join(names)})")
        named = [("table", self.table)] if self.table else []
        for where, table in [*named, *((f"tables.{n}", t) for n, t in self.tables.items())]:
            missing = [c for c in table.columns if c not in self.columns]
            if missing:
                raise ValueError(
                    f"{where}.columns names undeclared columns: {', '.join(missing)}; "
                    "declare them under `columns`"
                )
        for name in self.tables:
            if not re.match(COLUMN, name):
                raise ValueError(f"table name {name!r} must be lower snake case")
        unknown = [n for a in self.attachments for n in a.sheets if n not in self.tables]
        if unknown:
            raise ValueError(f"attachments name sheets that are not `tables`: {', '.join(unknown)}")
        for check in self.checks:
            unknown = sorted(check.names() - set(self.settings))
            if unknown:
                raise ValueError(
                    f"checks: {check.require!r} names {', '.join(unknown)}, which are not declared settings"
                )
        for stage in self.stages:
            if isinstance(stage.body_rows, str):
                setting = self.settings.get(stage.body_rows.strip("{}"))
                if setting is None or setting.type != "int":
                    raise ValueError(f"body_rows {stage.body_rows!r} must name a declared int setting")
            if stage.repeat:
                for name in ("every_days", "max_times"):
                    value = getattr(stage.repeat, name)
                    if isinstance(value, str):
                        setting = self.settings.get(value.strip("{}"))
                        if setting is None or setting.type != "int":
                            raise ValueError(f"repeat.{name} {value!r} must name a declared int setting")
        if (
            any(a.kind == "pdf_table" or (a.kind == "xlsx" and not a.sheets) for a in self.attachments)
            and not self.table
        ):
            raise ValueError("xlsx and pdf_table attachments need a `table:` (or an xlsx its `sheets`)")
        if self.empty == "message":
            for stage in self.stages:
                if stage.grouping != "report" or any(
                    rule.party or rule.employee or rule.manager_of or rule.branch
                    for rule in stage.recipients.rules()
                ):
                    raise ValueError(
                        "`empty: message` sends one report when there are no rows: every stage must be "
                        "`grouping: report` with recipients by role without branch, or fixed addresses"
                    )
        return self

    @property
    def uses_staff(self) -> bool:
        return any(rule.uses_staff for stage in self.stages for rule in stage.recipients.rules())

    @property
    def repeats(self) -> bool:
        """The transform reads the ledger's sent messages: repeats and digests of row keys."""
        return any(stage.repeat or stage.row_key for stage in self.stages)

    def row_columns(self) -> set[str]:
        """Columns of the main query that the config names (checked against the query by
        `validate --dms`). Names that are settings or run values are left out by the caller."""
        names: set[str] = set(self.columns) - {n for n, c in self.columns.items() if c.by_language}
        names |= {f"{n}_{lang}" for n, c in self.columns.items() if c.by_language for lang in ("es", "en")}
        names |= {detail.key for detail in self.rows.details.values()}
        for stage in self.stages:
            names |= set(stage.group_by) | set(field_names(stage.once_per))
            for template in (stage.row_ref, stage.row_key):
                if template:
                    names |= set(field_names(template))
            if stage.row_covers:
                names.add(stage.row_covers)
            if stage.recipients.together_as:
                names |= set(field_names(stage.recipients.together_as))
            for rule in stage.recipients.rules():
                names |= rule.columns()
        return names
