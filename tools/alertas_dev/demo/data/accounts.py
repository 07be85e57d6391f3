"""Demo data: account movements and the sales documents (with lines) behind them."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from alertas_dev.demo.data.common import (
    USD_RATE_HINT,
    Row,
    _add_months,
    _at_seconds,
    _cents,
    _in_usd,
    _money,
    _month_start,
    _pick,
    _quantity,
    _randint,
    _weighted,
    _with_tax,
)
from alertas_dev.demo.data.customers import Customer
from alertas_dev.demo.data.organisation import COUNTER_WAREHOUSE, WORKSHOP_WAREHOUSE, _staff
from alertas_dev.demo.data.parts import BULK_PARTS, PART_BY_CODE, PARTS, Part
from alertas_dev.demo.data.workshop import VEHICLE_MODELS

LABOR = (
    ("Mano de obra - Service 10.000 km", 145_000_00),
    ("Mano de obra - Service 20.000 km", 185_000_00),
    ("Mano de obra - Service 40.000 km", 265_000_00),
    ("Alineación y balanceo", 68_000_00),
    ("Diagnóstico electrónico", 45_000_00),
    ("Cambio de pastillas de freno (mano de obra)", 52_000_00),
    ("Reparación de tren delantero", 320_000_00),
    ("Cambio de kit de distribución (mano de obra)", 410_000_00),
)


OTHER_CHARGES = (
    ("Gestoría - Transferencia de dominio", 180_000_00),
    ("Gestoría - Inscripción inicial 0 km", 350_000_00),
    ("Polarizado de cristales", 95_000_00),
    ("Grabado de autopartes", 28_000_00),
    ("Lavado y detailing premium", 60_000_00),
)


PAYMENT_METHODS = ("Transferencia bancaria", "Cheque", "Efectivo", "Tarjeta de débito", "Echeq")


DOC_LABEL = {
    "invoice": "Factura",
    "debit_note": "Nota de débito",
    "credit_note": "Nota de crédito",
    "receipt": "Recibo",
}


FIRST_NUMBER = {"invoice": 4120, "debit_note": 85, "credit_note": 310, "receipt": 2650}


ACCOUNT_TYPES = {
    "ARS": _weighted((("parts", 45), ("service", 38), ("other", 14), ("vehicles", 3))),
    "USD": _weighted((("parts", 50), ("vehicles", 25), ("service", 15), ("other", 10))),
}


# A line: (part code or None, description or None for the part's, quantity in thousandths,
# unit price in cents or None for the part's list price in ARS)
LineSpec = tuple[str | None, str | None, int, int | None]


@dataclass(frozen=True, slots=True)
class PinnedDocument:
    key: str
    customer: str
    doc_type: str
    currency: str
    account_type: str
    day: int  # days from reference_date
    at: tuple[int, int, int]  # local time the DMS recorded it
    lines: tuple[LineSpec, ...]
    due_in: int | None = None  # days from reference_date
    open_amount: int | None = None  # cents; None = the whole total
    status: str = "issued"
    settled: bool = False


# fmt: off
PINNED_DOCUMENTS = (
    # window [07:45, 08:00) of reference_date: family sales_documents
    PinnedDocument("W1", "C00001", "invoice", "ARS", "parts", 0, (7, 47, 12),
                   (("FIL-0001", None, 1000, None), ("LUB-0001", None, 1000, None),
                    ("ACC-0001", None, 0, None)), due_in=30, settled=True),
    PinnedDocument("W2", "C00001", "receipt", "ARS", "parts", 0, (7, 52, 40),
                   ((None, "Cobranza - Transferencia bancaria", 1000, 250_000_00),)),
    PinnedDocument("W3", "C00002", "invoice", "ARS", "service", 0, (7, 50, 5),
                   ((None, "Mano de obra - Service 20.000 km", 1000, 185_000_00),
                    ("FIL-0002", None, 1000, None)), due_in=30, settled=True),
    PinnedDocument("W4", "C00003", "receipt", "ARS", "other", 0, (7, 46, 30),
                   ((None, "Cobranza - Cheque", 1000, 500_000_00),)),
    PinnedDocument("W5", "C00007", "invoice", "USD", "vehicles", 0, (7, 58, 30),
                   ((None, "Toyota Hilux 2.8 SRX 4x4 AT 0 km - Blanco perlado", 1000,
                     48_500_00),), due_in=0, settled=True),
    PinnedDocument("W6", "C00012", "credit_note", "ARS", "parts", 0, (7, 45, 0),
                   (("SUS-0002", "Devolución de repuestos - Amortiguador trasero", 1000, None),)),
    PinnedDocument("W7", "C00012", "invoice", "ARS", "parts", 0, (7, 49, 0),
                   (("NEU-0002", None, 4000, None),), due_in=30, status="voided"),
    PinnedDocument("W8", "C00012", "debit_note", "ARS", "other", 0, (7, 55, 10),
                   ((None, "Intereses por pago fuera de término", 1000, 18_750_00),), due_in=10),
    PinnedDocument("W9", "C00012", "invoice", "ARS", "parts", 0, (8, 0, 0),
                   (("MOT-0003", None, 4000, None),), due_in=30, settled=True),
    PinnedDocument("W10", "C00001", "invoice", "ARS", "parts", 0, (7, 44, 59),
                   (("FRE-0004", None, 2000, None),), due_in=30, settled=True),
    PinnedDocument("W11", "C00004", "invoice", "ARS", "service", 0, (7, 57, 0),
                   ((None, "Alineación y balanceo", 1000, 68_000_00),), due_in=30,
                   settled=True),
    # invoices_due_soon
    PinnedDocument("D1", "C00001", "invoice", "ARS", "service", -25, (10, 12, 0),
                   ((None, "Mano de obra - Service 30.000 km", 1000, 240_000_00),
                    ("LUB-0001", None, 1000, None), ("FIL-0001", None, 1000, None),
                    ("FIL-0002", None, 1000, None)), due_in=5, open_amount=150_000_00),
    PinnedDocument("D2", "C00012", "invoice", "ARS", "parts", -29, (11, 5, 0),
                   (("SUS-0001", None, 2000, None), ("SUS-0003", None, 2000, None)), due_in=1),
    PinnedDocument("D3", "C00012", "debit_note", "USD", "vehicles", -9, (16, 40, 0),
                   ((None, "Diferencia de cambio - venta de unidad Ford Ranger", 1000,
                     1_234_56),), due_in=1),
    PinnedDocument("D4", "C00012", "invoice", "ARS", "parts", -25, (9, 30, 0),
                   (("NEU-0001", None, 4000, None),), due_in=5, settled=True),
    PinnedDocument("D5", "C00012", "invoice", "ARS", "parts", -25, (9, 45, 0),
                   (("NEU-0001", None, 4000, None),), due_in=5, status="voided"),
    PinnedDocument("D6", "C00007", "invoice", "USD", "parts", -29, (14, 20, 0),
                   (("NEU-0002", None, 4000, 265_00),), due_in=1),
    PinnedDocument("D7", "C00004", "invoice", "ARS", "service", -25, (12, 0, 0),
                   ((None, "Diagnóstico electrónico", 1000, 45_000_00),
                    ("ELE-0005", None, 2000, None)), due_in=5),
    PinnedDocument("D8", "C00001", "invoice", "ARS", "parts", -28, (17, 25, 0),
                   (("ELE-0002", None, 2000, None),), due_in=2),
    PinnedDocument("D9", "C00012", "invoice", "ARS", "service", -25, (15, 10, 0),
                   ((None, "Reparación de tren delantero", 1000, 320_000_00),
                    ("SUS-0003", None, 2000, None)), due_in=5),
)


def _pinned_line(spec: LineSpec) -> Line:
    part_code, description, milli, unit = spec
    if part_code is None:
        if description is None or unit is None:
            raise ValueError(f"a line without a part needs a description and a price: {spec}")
        return (None, description, milli, unit, (unit * milli + 500) // 1000)
    part = PART_BY_CODE[part_code]
    price = part.list_price if unit is None else unit
    return (part.id, description or part.description, milli, price, (price * milli + 500) // 1000)


# (part id or None, description, quantity in thousandths, unit price cents, amount cents)
Line = tuple[int | None, str, int, int, int]


@dataclass(slots=True)
class Entry:
    """One account movement, and the sales document behind it when it has one."""

    customer: Customer
    currency: str
    account_type: str
    doc_type: str
    issue_date: date
    seconds: int  # local time of day the DMS recorded it
    lines: list[Line]
    subtotal: int
    tax: int
    total: int
    has_document: bool
    open_amount: int = 0
    due_date: date | None = None
    status: str = "issued"
    number: str = ""
    document_id: int | None = None

    @property
    def letter(self) -> str | None:
        if self.doc_type == "receipt":
            return None
        return "A" if self.customer.is_company else "B"

    @property
    def description(self) -> str:
        letter = f" {self.letter}" if self.letter else ""
        return f"{DOC_LABEL[self.doc_type]}{letter} {self.number}"

    @property
    def created_at(self) -> datetime:
        return _at_seconds(self.issue_date, self.seconds)


class AccountRows:
    """The rows of account movements and the sales documents behind them
    (a part of `DemoData`: its random stream and state)."""

    rng: random.Random
    ref: date

    def entry_batches(self) -> Iterator[tuple[list[Entry], bool]]:
        """Per month, oldest first: its entries (numbered, ids set), and whether any has a
        document. Balances carry over from month to month."""
        pinned_by_month: dict[date, list[PinnedDocument]] = {}
        for pin in PINNED_DOCUMENTS:
            pinned_by_month.setdefault(_month_start(self._day(pin.day)), []).append(pin)
        months = sorted({self.older_month, *self.window_months, *pinned_by_month})
        for month in months:
            entries = self._random_month_entries(month)
            entries += [self._pinned_entry(pin) for pin in pinned_by_month.get(month, [])]
            entries.sort(key=lambda e: (e.issue_date, e.seconds, e.customer.id))
            self._number(entries)
            yield entries, any(e.has_document for e in entries)

    def _random_month_entries(self, month: date) -> list[Entry]:
        entries: list[Entry] = []
        if month == self.older_month:
            for customer in self.customers:
                if customer.profile in ("old_balance", "old_zero"):
                    entries += self._old_entries(customer, month)
        elif month in self.window_months:
            with_documents = month == self.last_month
            for customer in self.customers:
                if customer.profile == "regular":
                    entries += self._regular_entries(customer, month, with_documents)
        return entries

    def _regular_entries(self, customer: Customer, month: date, with_documents: bool) -> list[Entry]:
        rng = self.rng
        mean = self.movements_per_month
        low = max(1, round(mean * 0.6))
        total = _randint(rng, low, 2 * mean - low) if mean > 1 else 1
        days = (_add_months(month, 1) - month).days
        usd = max(1, total // 4) if "USD" in customer.currencies else 0
        entries: list[Entry] = []
        for currency, count in (("ARS", total - usd), ("USD", usd)):
            for offset in sorted(int(rng.random() * days) for _ in range(count)):
                entry = self._random_entry(customer, currency, month + timedelta(days=offset), with_documents)
                entries.append(entry)
                if with_documents and entry.doc_type == "invoice" and rng.random() < 0.01:
                    entries.append(self._voided_copy(entry))
        return entries

    def _old_entries(self, customer: Customer, month: date) -> list[Entry]:
        """A few invoices and one receipt: fully paid (old_zero) or leaving a debt."""
        rng = self.rng
        entries = [
            self._debit_entry(customer, "ARS", month + timedelta(days=rng.randrange(20)), "invoice", False)
            for _ in range(rng.randint(1, 3))
        ]
        entries.sort(key=lambda e: e.issue_date)
        balance = self.balances[(customer.id, "ARS")]
        paid = balance if customer.profile == "old_zero" else balance // 2 // 100 * 100
        entries.append(self._receipt_entry(customer, "ARS", month + timedelta(days=25), paid, False))
        return entries

    def _random_entry(self, customer: Customer, currency: str, day: date, with_documents: bool) -> Entry:
        roll = self.rng.random()
        balance = self.balances.get((customer.id, currency), 0)
        if roll < 0.35 and balance > 0:
            share = int(balance * self.rng.uniform(0.3, 1.0))
            step = 1_000_00 if currency == "ARS" else 10_00
            amount = min(balance, max(step, share // step * step))
            return self._receipt_entry(customer, currency, day, amount, with_documents)
        if roll < 0.40 and balance > 0:
            doc_type = "credit_note"
        elif roll < 0.45:
            doc_type = "debit_note"
        else:
            doc_type = "invoice"
        return self._debit_entry(customer, currency, day, doc_type, with_documents)

    def _business_seconds(self) -> int:
        return _randint(self.rng, 8 * 3600 + 1800, 19 * 3600 + 1800)

    def _debit_entry(
        self, customer: Customer, currency: str, day: date, doc_type: str, with_documents: bool
    ) -> Entry:
        """An invoice or debit note (a debit) or a credit note (a credit), with its lines."""
        rng = self.rng
        account_type = self._account_type(currency)
        if doc_type == "invoice":
            lines = self._invoice_lines(account_type, currency)
        elif doc_type == "debit_note":
            lines = [
                self._charge_line("Intereses por pago fuera de término", _cents(rng, 2_000, 60_000), currency)
            ]
        else:
            lines = [self._charge_line("Bonificación comercial", _cents(rng, 5_000, 150_000), currency)]
        subtotal = sum(line[4] for line in lines)
        tax, total = _with_tax(subtotal)
        entry = Entry(
            customer=customer,
            currency=currency,
            account_type=account_type,
            doc_type=doc_type,
            issue_date=day,
            seconds=self._business_seconds(),
            lines=lines,
            subtotal=subtotal,
            tax=tax,
            total=total,
            has_document=with_documents,
        )
        self._set_terms(entry)
        self._post(entry)
        return entry

    def _receipt_entry(
        self, customer: Customer, currency: str, day: date, amount: int, with_documents: bool
    ) -> Entry:
        method = self.rng.choice(PAYMENT_METHODS)
        lines: list[Line] = [(None, f"Cobranza - {method}", 1000, amount, amount)]
        entry = Entry(
            customer=customer,
            currency=currency,
            account_type=self._account_type(currency),
            doc_type="receipt",
            issue_date=day,
            seconds=self._business_seconds(),
            lines=lines,
            subtotal=amount,
            tax=0,
            total=amount,
            has_document=with_documents,
        )
        self._post(entry)
        return entry

    def _voided_copy(self, entry: Entry) -> Entry:
        """A voided duplicate (no movement); the DMS left its open amount as it was."""
        return replace(
            entry,
            seconds=min(entry.seconds + 240, 86_399),
            has_document=True,
            open_amount=entry.total,
            status="voided",
        )

    def _account_type(self, currency: str) -> str:
        return _pick(self.rng, ACCOUNT_TYPES[currency])

    def _charge_line(self, description: str, ars_cents: int, currency: str) -> Line:
        unit = ars_cents if currency == "ARS" else _in_usd(ars_cents)
        return (None, description, 1000, unit, unit)

    def _part_line(self, part: Part, currency: str, milli: int | None = None) -> Line:
        if milli is None:
            milli = (
                self.rng.choice((3500, 4000, 4500, 5000))
                if part.code in BULK_PARTS
                else _randint(self.rng, 1, 4) * 1000
            )
        unit = part.list_price if currency == "ARS" else _in_usd(part.list_price)
        return (part.id, part.description, milli, unit, (unit * milli + 500) // 1000)

    def _invoice_lines(self, account_type: str, currency: str) -> list[Line]:
        rng = self.rng
        if account_type == "vehicles":
            make, model, _, low, high = rng.choice(VEHICLE_MODELS)
            usd = _cents(rng, low, high, step=100_00)
            price = usd if currency == "USD" else usd * USD_RATE_HINT
            return [(None, f"{make} {model} 0 km", 1000, price, price)]
        if account_type == "other":
            description, price = rng.choice(OTHER_CHARGES)
            return [self._charge_line(description, price, currency)]
        lines: list[Line] = []
        if account_type == "service":
            description, price = rng.choice(LABOR)
            lines.append(self._charge_line(description, price, currency))
        for _ in range(_randint(rng, 1, 3) if account_type == "parts" else _randint(rng, 0, 2)):
            lines.append(self._part_line(self._sellable_part(), currency))
        return lines

    def _sellable_part(self) -> Part:
        while True:
            part = self.rng.choice(PARTS)
            if part.active:
                return part

    def _set_terms(self, entry: Entry) -> None:
        """Due date and open amount; only generated customers owe generated documents."""
        if entry.doc_type == "invoice":
            days = 0 if entry.account_type == "vehicles" else 30
            entry.due_date = entry.issue_date + timedelta(days=days)
        elif entry.doc_type == "debit_note":
            entry.due_date = entry.issue_date + timedelta(days=10)
        if entry.customer.fixed or entry.doc_type not in ("invoice", "debit_note"):
            return
        if entry.account_type == "vehicles":
            return
        roll = self.rng.random()
        if roll < 0.30:
            entry.open_amount = entry.total
        elif roll < 0.40:
            entry.open_amount = entry.total * self.rng.randint(3, 8) // 10

    def _post(self, entry: Entry) -> None:
        key = (entry.customer.id, entry.currency)
        sign = 1 if entry.doc_type in ("invoice", "debit_note") else -1
        self.balances[key] = self.balances.get(key, 0) + sign * entry.total

    def _pinned_entry(self, pin: PinnedDocument) -> Entry:
        customer = self.customer_by_code[pin.customer]
        lines = [_pinned_line(spec) for spec in pin.lines]
        subtotal = sum(line[4] for line in lines)
        tax, total = (0, subtotal) if pin.doc_type == "receipt" else _with_tax(subtotal)
        hour, minute, second = pin.at
        entry = Entry(
            customer=customer,
            currency=pin.currency,
            account_type=pin.account_type,
            doc_type=pin.doc_type,
            issue_date=self._day(pin.day),
            seconds=hour * 3600 + minute * 60 + second,
            lines=lines,
            subtotal=subtotal,
            tax=tax,
            total=total,
            has_document=True,
            status=pin.status,
        )
        if pin.due_in is not None:
            entry.due_date = self._day(pin.due_in)
        if pin.doc_type in ("invoice", "debit_note") and not pin.settled:
            entry.open_amount = total if pin.open_amount is None else pin.open_amount
        if pin.status == "issued":
            self._post(entry)
        return entry

    def _number(self, entries: list[Entry]) -> None:
        """Numbers follow creation order per point of sale, type and letter; ids too."""
        for entry in entries:
            key = (entry.customer.branch_id, entry.doc_type, entry.letter)
            number = self.counters.get(key, FIRST_NUMBER[entry.doc_type])
            self.counters[key] = number + 1
            entry.number = f"{entry.customer.branch_id:04d}-{number:08d}"
            if entry.has_document:
                entry.document_id = self.next_document_id
                self.next_document_id += 1

    def document_rows(self, entries: list[Entry]) -> Iterator[Row]:
        for e in entries:
            if e.document_id is None:
                continue
            yield (
                e.document_id,
                e.customer.branch_id,
                e.customer.id,
                e.doc_type,
                e.letter,
                e.number,
                e.issue_date,
                e.due_date,
                e.currency,
                e.account_type,
                _money(e.subtotal),
                _money(e.tax),
                _money(e.total),
                _money(e.open_amount),
                e.status,
                e.created_at,
            )

    def line_rows(self, entries: list[Entry]) -> Iterator[Row]:
        for e in entries:
            if e.document_id is None:
                continue
            for line_no, (part_id, description, milli, unit, amount) in enumerate(e.lines, 1):
                yield (
                    e.document_id,
                    line_no,
                    part_id,
                    description,
                    _quantity(milli),
                    _money(unit),
                    _money(amount),
                )

    def movement_rows(self, entries: list[Entry]) -> Iterator[Row]:
        for e in entries:
            if e.status != "issued":
                continue
            debit, credit = (
                (_money(e.total), "0") if e.doc_type in ("invoice", "debit_note") else ("0", _money(e.total))
            )
            yield (
                self.next_movement_id,
                e.customer.id,
                e.customer.branch_id,
                e.currency,
                e.account_type,
                e.issue_date,
                e.document_id,
                e.description,
                debit,
                credit,
            )
            self.next_movement_id += 1

    def record_stock_effects(self, entries: list[Entry]) -> None:
        """Remember the stock movements these documents caused (written later)."""
        for entry in entries:
            if entry.document_id is not None and entry.status == "issued":
                self._record_stock_effect(entry)

    def _record_stock_effect(self, entry: Entry) -> None:
        """Billed issues for invoice part lines; returns for credit-note part lines."""
        if entry.doc_type not in ("invoice", "credit_note"):
            return
        branch = entry.customer.branch_id
        counter = entry.account_type == "parts"
        warehouse = COUNTER_WAREHOUSE[branch] if counter else WORKSHOP_WAREHOUSE[branch]
        employee = (_staff(branch, "parts_manager") if counter else _staff(branch, "service_advisor"))[0]
        created = entry.created_at
        for part_id, _, milli, _, _ in entry.lines:
            if part_id is None or milli == 0:
                continue
            if entry.doc_type == "invoice":
                moved = created - timedelta(minutes=self.rng.randint(10, 180))
                self.billed_issues.append(
                    (part_id, warehouse, "issue", _quantity(milli), moved, employee, None, entry.document_id)
                )
            else:
                moved = created - timedelta(minutes=5)
                self.billed_issues.append(
                    (part_id, warehouse, "return", _quantity(milli), moved, employee, None, entry.document_id)
                )
