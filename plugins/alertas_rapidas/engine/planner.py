"""The configured families' transform: rows in, messages and skips out, as the `alert:` block says.

For each stage, in order: the rows its `when` selects; who the recipient chain finds for each
row (or a report's first row); one message per row, per person (digest) or per report group;
the business key from `once_per`, with the repeat count when `repeat` is set. With several stages,
a row that reaches nobody in any of them is recorded once more under its `row_ref` as
`no_recipient`; with one, its stage's skip is its one record.

Message contexts are built after the last stage, so that every row in them carries what all the
stages did for it: `reached` (the names of the stages that reached somebody for it, in stage
order) and `missed` ({stage name: skip reason} of the stages that selected it and found nobody
usable). A digest of the first stage can so say which of its rows the second one escalated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pandas as pd
from pydantic import BaseModel

from alertas_rapidas.contracts.plan import (
    Attachment,
    Column,
    OutgoingMessage,
    Plan,
    SkippedCandidate,
    table,
)
from alertas_rapidas.engine.spec import AlertSpec, AttachmentRule, StageSpec, TableSpec
from alertas_rapidas.engine.staff import Found, Person, Roster, first_usable, resolve_rule
from alertas_rapidas.engine.templating import fill, holds
from alertas_rapidas.engine.values import frame_rows, in_language
from alertas_rapidas.file_names import safe_file_name
from alertas_rapidas.recipients import address_key, unique_addresses
from alertas_rapidas.schedule.run_time import RunTime

ROWS = "rows"
EMPLOYEES = "_employees"
DEALERSHIP = "_dealership"
NOBODY = "nobody"

# (recipient_ref, business key without repeat mark) -> sent messages: how many, last run date.
History = Mapping[tuple[str, str], tuple[int, date]]

_TABLE_KINDS = {"money": "money", "date": "date", "instant": "date", "int": "int", "quantity": "quantity"}


def run_values(run: RunTime) -> dict[str, Any]:
    """The run's values that keys, conditions, templates and SQL parameters may use."""
    return {
        "run_date": run.run_date.isoformat(),
        "at": run.at.isoformat(),
        "at_time": run.at.strftime("%H:%M"),
        "window_start": run.window_start.isoformat(),
        "window_end": run.window_end.isoformat(),
        "timezone": run.timezone,
        **run.calendar_values(),
    }


def settings_values(settings: BaseModel) -> dict[str, Any]:
    return settings.model_dump(mode="json")


@dataclass
class _Outcome:
    """What the stages did to one row."""

    reached: set[str] = field(default_factory=set)
    missed: dict[str, str] = field(default_factory=dict)  # stage name -> its skip reason
    last_skip: tuple[str, str] | None = None  # (stage's business key, reason) of its last miss


@dataclass
class _Digest:
    person: Person
    rows: list[dict[str, Any]] = field(default_factory=list)


class _Builder:
    def __init__(
        self,
        spec: AlertSpec,
        frames: Mapping[str, pd.DataFrame],
        settings: BaseModel,
        run: RunTime,
        history: History | None,
    ) -> None:
        self.spec = spec
        self.run = run
        self.history = history or {}
        self.base = {**run_values(run), **settings_values(settings)}
        self.settings = settings_values(settings)
        self.rows = self._rows(frames)
        employees = frames.get(EMPLOYEES)
        self.roster = Roster(frame_rows(employees, {}, run.timezone) if employees is not None else [])
        self.copy_names: dict[str, str] = {}  # display names of the Cc people found (staff)
        dealership = frames.get(DEALERSHIP)
        found = frame_rows(dealership, {}, run.timezone) if dealership is not None else []
        self.dealership = found[0] if found else {"name": ""}
        self.plan = Plan(candidates=0)
        self.skips: dict[tuple[str, str], str] = {}
        self.outcomes = [_Outcome() for _ in self.rows]
        # Messages whose context is filled in once every stage has run, with what it is built from:
        # (message, stage, rows, first row, recipient name, send numbers: the message's, or each
        # row's under `row_key`).
        self.pending: list[
            tuple[OutgoingMessage, StageSpec, list[dict[str, Any]], dict[str, Any], str | None, list[int]]
        ] = []

    def _rows(self, frames: Mapping[str, pd.DataFrame]) -> list[dict[str, Any]]:
        columns, zone = self.spec.columns, self.run.timezone
        rows = frame_rows(frames[ROWS], columns, zone)
        for name, detail in self.spec.rows.details.items():
            grouped: dict[Any, list[dict[str, Any]]] = {}
            for item in frame_rows(frames[name], columns, zone):
                grouped.setdefault(item.get(detail.key), []).append(item)
            for row in rows:
                row[name] = grouped.get(row.get(detail.key), [])
        return rows

    # -- stages ---------------------------------------------------------------------------------

    def build(self) -> Plan:
        for stage in self.spec.stages:
            selected = [
                index
                for index, row in enumerate(self.rows)
                if stage.when is None
                or holds(
                    stage.when,
                    {
                        **self.base,
                        **row,
                        "reached": self.outcomes[index].reached,
                        "missed": self.outcomes[index].missed,
                    },
                )
            ]
            if stage.grouping == "per_row":
                for index in selected:
                    self._report(stage, [index])
            elif stage.grouping == "digest":
                self._digests(stage, selected)
            else:
                groups: dict[tuple[Any, ...], list[int]] = {}
                for index in selected:
                    groups.setdefault(tuple(self.rows[index].get(c) for c in stage.group_by), []).append(
                        index
                    )
                if not groups and self.spec.empty == "message":
                    groups[()] = []
                for indexes in groups.values():
                    self._report(stage, indexes)
        self._unreached_rows()
        self._fill_contexts()
        self.plan.skipped = [SkippedCandidate(ref, key, reason) for (ref, key), reason in self.skips.items()]
        self.plan.candidates = len(self.plan.messages) + len(self.plan.skipped)
        return self.plan

    def _find(self, stage: StageSpec, row: Mapping[str, Any]) -> Found:
        language = self._language(stage)
        rules = self._applying(stage.recipients.to, row)
        return first_usable(resolve_rule(rule, row, self.roster, language) for rule in rules)

    def _applying(self, rules: list[Any], row: Mapping[str, Any]) -> list[Any]:
        """The rules whose `when` holds for the row (all rules without one)."""
        return [rule for rule in rules if rule.when is None or holds(rule.when, {**self.base, **row})]

    def _language(self, stage: StageSpec) -> str:
        language = fill(stage.recipients.language, self.base)
        return "en" if language == "en" else "es"

    def _copies(self, row: Mapping[str, Any], rules: list[Any]) -> list[str]:
        addresses: list[str] = []
        for rule in self._applying(rules, row):
            for person in resolve_rule(rule, row, self.roster, "es").people:
                addresses.append(person.address)
                if person.name:
                    self.copy_names[person.address] = person.name
        return addresses

    def _skip(self, stage: StageSpec, ref: str, key: str, reason: str, indexes: list[int]) -> None:
        self.skips.setdefault((ref, key), reason)
        for index in indexes:
            self.outcomes[index].last_skip = (key, reason)
            self.outcomes[index].missed.setdefault(stage.name, reason)

    def _report(self, stage: StageSpec, indexes: list[int]) -> None:
        """One message (or one per person found) about the rows `indexes`: a row of a per-row
        stage, or a report group."""
        first = self.rows[indexes[0]] if indexes else {}
        values = {**self.base, **first}
        key = fill(stage.once_per, values)
        found = self._find(stage, first)
        together = fill(stage.recipients.together_as, values) if stage.recipients.together_as else None
        if not found.people:
            ref = together or found.about or self._row_ref(stage, first)
            self._skip(stage, ref, key, found.reason or "no_recipient", indexes)
            return
        for index in indexes:
            self.outcomes[index].reached.add(stage.name)
        if together:
            people = found.people
            self._message(stage, together, key, people, [self.rows[i] for i in indexes], first)
            return
        for person in found.people:
            self._message(stage, person.ref, key, [person], [self.rows[i] for i in indexes], first)

    def _digests(self, stage: StageSpec, indexes: list[int]) -> None:
        key = fill(stage.once_per, self.base)
        digests: dict[str, _Digest] = {}
        for index in indexes:
            row = self.rows[index]
            found = self._find(stage, row)
            if not found.people:
                self._skip(
                    stage,
                    found.about or self._row_ref(stage, row),
                    key,
                    found.reason or "no_recipient",
                    [index],
                )
                continue
            self.outcomes[index].reached.add(stage.name)
            for person in found.people:
                digests.setdefault(address_key(person.address), _Digest(person)).rows.append(row)
        for digest in digests.values():
            rows, covers, numbers = self._unsent_rows(stage, digest.person.ref, digest.rows, key)
            if rows:
                self._message(stage, digest.person.ref, key, [digest.person], rows, rows[0], covers, numbers)

    def _unsent_rows(
        self, stage: StageSpec, ref: str, rows: list[dict[str, Any]], key: str
    ) -> tuple[list[dict[str, Any]], list[str], list[int]]:
        """With `row_key`: the rows this recipient may get now (never sent, or due again under
        `repeat`), their keys and each one's send number; the digest's own key is then the
        period's, not repeated.

        Rows sent earlier on the run date are listed again only when this digest's own key was
        sent then too (a re-run of that run, refused by the ledger as already sent): a family
        that runs several times a day, keyed per run, lists only the rows new since."""
        if not stage.row_key:
            return rows, [], []
        same_run = self.history.get((ref, key), (0, None))[1] == self.run.run_date
        kept, covers, numbers = [], [], []
        for row in rows:
            base_key = fill(stage.row_key, {**self.base, **row})
            row_key, held = self._repeat_key(stage, ref, base_key, from_ledger=True, rerun=same_run)
            if held:
                self.plan.hold(held)
            if row_key is not None:
                kept.append(row)
                covers.append(row_key)
                numbers.append(send_number(base_key, row_key))
                if stage.row_covers:  # further keys this row's send settles (lower levels)
                    covers.extend(str(k) for k in row.get(stage.row_covers) or [] if k not in covers)
        return kept, covers, numbers

    def _row_ref(self, stage: StageSpec, row: Mapping[str, Any]) -> str:
        return fill(stage.row_ref, {**self.base, **row}) if stage.row_ref and row else NOBODY

    def _unreached_rows(self) -> None:
        """With several stages, a row some stage selected that reached nobody at all:
        `no_recipient` under its ref. With one stage its own skip already says it (recording the
        row again would count one row twice)."""
        last = self.spec.stages[-1]
        if not last.row_ref or len(self.spec.stages) < 2:
            return
        for row, outcome in zip(self.rows, self.outcomes, strict=True):
            if outcome.last_skip and not outcome.reached:
                key, _reason = outcome.last_skip
                # A stage's own reason already recorded under the row's ref (`inactive`,
                # `no_manager`) says more than `no_recipient`: keep it.
                self.skips.setdefault((self._row_ref(last, row), key), "no_recipient")

    def _fill_contexts(self) -> None:
        """Every row gets `reached` and `missed` (what all the stages did for it), then every
        message its context: built last, so a stage's message shows what later stages did."""
        order = [stage.name for stage in self.spec.stages]
        for row, outcome in zip(self.rows, self.outcomes, strict=True):
            row["reached"] = [name for name in order if name in outcome.reached]
            row["missed"] = dict(outcome.missed)
        for message, stage, rows, first, recipient_name, numbers in self.pending:
            message.context = self._context(stage, message.language, rows, first, recipient_name, numbers)
        self.pending.clear()

    # -- messages -------------------------------------------------------------------------------

    def _repeat_key(
        self, stage: StageSpec, ref: str, key: str, *, from_ledger: bool = False, rerun: bool = True
    ) -> tuple[str | None, str | None]:
        """(the business key of this send, None) or, when the repeat policy says not now,
        (None, why: a `HOLD_REASONS` key).

        Without `repeat` a message key needs no look-up (the ledger's claim refuses a second
        send); a digest's row key (`from_ledger`) is sent once, as if `max_times` were 1.
        """
        repeat = stage.repeat
        if repeat is None and not from_ledger:
            return key, None
        max_times, every_days = (
            (self._int(repeat.max_times), self._int(repeat.every_days)) if repeat else (1, 0)
        )
        sent, last = self.history.get((ref, key), (0, None))
        if rerun and sent and last == self.run.run_date:  # re-run of the day of the last send: same key
            return (key if sent == 1 else f"{key}#{sent}"), None
        if sent >= max_times:
            return None, "repeat_done"
        if last is not None and self.run.run_date < last + timedelta(days=every_days):
            return None, "repeat_not_due"
        return (key if sent == 0 else f"{key}#{sent + 1}"), None

    def _message(
        self,
        stage: StageSpec,
        ref: str,
        key: str,
        people: list[Person],
        rows: list[dict[str, Any]],
        first: dict[str, Any],
        covers: list[str] | None = None,
        row_numbers: list[int] | None = None,
    ) -> None:
        # With row keys the repeat policy applies to the rows; the message is the period's.
        business_key, held = (key, None) if stage.row_key else self._repeat_key(stage, ref, key)
        if business_key is None:
            self.plan.hold(held or "repeat_done", max(1, len(rows)))
            return
        numbers = row_numbers if stage.row_key else [send_number(key, business_key)]
        language = people[0].language or self._language(stage)
        to = [person.address for person in people]
        party_cc = [address for person in people for address in person.cc]
        cc = unique_addresses([*party_cc, *self._copies(first, stage.recipients.cc)], exclude=to)
        bcc = unique_addresses(self._copies(first, stage.recipients.bcc), exclude=to + cc)
        names = {person.name for person in people}
        display = people[0].name if len(people) == 1 else None
        message = OutgoingMessage(
            recipient_ref=ref,
            business_key=business_key,
            to=to,
            language=language,
            display_name=display,
            names={
                **{address: self.copy_names[address] for address in cc if address in self.copy_names},
                **{person.address: person.name for person in people if person.name},
            },
            cc=cc,
            bcc=bcc,
            attachments=self._attachments(language, first),
            covers=list(covers or []),
        )
        self.plan.messages.append(message)
        self.pending.append(
            (message, stage, rows, first, display if len(names) == 1 else None, numbers or [])
        )

    def _context(
        self,
        stage: StageSpec,
        language: str,
        rows: list[dict[str, Any]],
        first: dict[str, Any],
        recipient_name: str | None,
        numbers: list[int],
    ) -> dict[str, Any]:
        columns = self.spec.columns
        shown = [in_language(row, columns, language) for row in rows]
        context: dict[str, Any] = {
            "dealership": self.dealership,
            "settings": self.settings,
            "run": run_values(self.run),
            "run_date": self.run.run_date.isoformat(),
            "stage": stage.name,
            "recipient_name": recipient_name,
        }
        if stage.repeat is not None:
            # "2nd reminder of 3": the message's send number, or under `row_key` each row's own
            context["max_times"] = self._int(stage.repeat.max_times)
            if stage.row_key:
                shown = [{**row, "send_number": number} for row, number in zip(shown, numbers, strict=True)]
            else:
                context["send_number"] = numbers[0]
        if stage.grouping == "per_row":
            context["row"] = shown[0]
            return context
        totals = {
            name: sum(row.get(name) or 0 for row in shown) for name, spec in columns.items() if spec.total
        }
        context.update(
            rows=shown,
            first=in_language(first, columns, language) if first else {},
            count=len(shown),
            top=shown[: self._body_rows(stage)],
            more=max(0, len(shown) - self._body_rows(stage)),
            totals=totals,
        )
        if self.spec.table:
            context["table"] = self._table(self.spec.table, shown, totals)
        if self.spec.tables:
            context["tables"] = {}
            for name, spec in self.spec.tables.items():
                selected = [r for r in shown if spec.when is None or holds(spec.when, {**self.base, **r})]
                subtotals = {n: sum(r.get(n) or 0 for r in selected) for n in totals}
                context["tables"][name] = self._table(spec, selected, subtotals)
        return context

    def _body_rows(self, stage: StageSpec) -> int:
        return self._int(stage.body_rows)

    def _int(self, value: int | str) -> int:
        """A number of the spec, or the value of the `{setting}` it names."""
        return value if isinstance(value, int) else int(self.settings[value.strip("{}")])

    def _table(self, spec: TableSpec, rows: list[dict[str, Any]], totals: dict[str, Any]) -> dict[str, Any]:
        columns = []
        for name in spec.columns:
            column = self.spec.columns[name]
            if column.when and not holds(column.when, self.base):
                continue
            label = column.label
            columns.append(
                Column(
                    name,
                    label.es if label else name,
                    label.en if label else name,
                    _TABLE_KINDS.get(column.kind, "text"),  # type: ignore[arg-type]
                )
            )
        keys = [column.key for column in columns]
        report = table(columns, [{k: row.get(k) for k in keys} for row in rows], spec.title.es, spec.title.en)
        report["totals"] = {k: v for k, v in totals.items() if k in keys}
        if spec.sheet:
            report["sheet_es"], report["sheet_en"] = spec.sheet.es, spec.sheet.en
        return report

    def _attachments(self, language: str, first: dict[str, Any]) -> list[Attachment]:
        values = {**self.base, **first}
        attachments = []
        for rule in self.spec.attachments:
            if rule.when and not holds(rule.when, values):
                continue
            attachments.append(_attachment(rule, language, values))
        return attachments


def send_number(key: str, sent_key: str) -> int:
    """Which send of `key` the key `sent_key` is: 1 for the key itself, n for `<key>#n`."""
    return 1 if sent_key == key else int(sent_key.removeprefix(f"{key}#"))


def _attachment(rule: AttachmentRule, language: str, values: Mapping[str, Any]) -> Attachment:
    template = rule.filename if isinstance(rule.filename, str) else getattr(rule.filename, language)
    stem = safe_file_name(fill(template, values), fallback="adjunto")
    if rule.kind == "xlsx":
        return Attachment(filename=f"{stem}.xlsx", kind="xlsx", sheets=list(rule.sheets) or None)
    if rule.kind == "pdf_table":
        return Attachment(filename=f"{stem}.pdf", kind="pdf", template="_reports/table")
    return Attachment(filename=f"{stem}.pdf", kind="pdf", template=rule.template)


def build_plan(
    frames: Mapping[str, pd.DataFrame],
    settings: BaseModel,
    run: RunTime,
    *,
    spec: AlertSpec,
    history: History | None = None,
) -> Plan:
    """The plan of a configured family for one run (pure: no database, no Airflow)."""
    return _Builder(spec, frames, settings, run, history).build()
