"""Who a recipient rule finds for a row: parties by their columns, employees by id, managers, and
role holders by branch with the fallbacks of CATALOGUE.md ("Staff by role").

The result is the people with a usable address, or the reason nobody is usable and the ledger
reference of whom it concerned (a skipped owner is recorded as `employee:<id>`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from alertas_rapidas.engine.spec import RecipientRule
from alertas_rapidas.engine.templating import fill
from alertas_rapidas.recipients import address_key, address_party, normalize_address


@dataclass(frozen=True)
class Person:
    """One mailbox to write to."""

    ref: str
    address: str
    name: str | None = None
    language: str | None = None
    cc: tuple[str, ...] = ()


@dataclass
class Found:
    """What a rule (or a chain of rules) found for a row."""

    people: list[Person] = field(default_factory=list)
    reason: str | None = None  # why nobody is usable, when `people` is empty
    about: str | None = None  # the ledger reference the reason concerns, when somebody was found


@dataclass(frozen=True)
class Employee:
    id: int
    name: str
    email: str | None
    role: str
    branch_id: int | None
    manager_id: int | None
    active: bool


class Roster:
    """The DMS's employees, indexed for the rules (read once per run)."""

    def __init__(self, employees: Iterable[Mapping[str, Any]]) -> None:
        self.by_id: dict[int, Employee] = {}
        for row in employees:
            employee = Employee(
                id=int(row["employee_id"]),
                name=str(row.get("full_name") or "").strip(),
                email=row.get("email"),
                role=str(row.get("role") or ""),
                branch_id=None if row.get("branch_id") is None else int(row["branch_id"]),
                manager_id=None if row.get("manager_id") is None else int(row["manager_id"]),
                active=bool(row.get("active")),
            )
            self.by_id[employee.id] = employee

    def holders(self, role: str) -> list[Employee]:
        return sorted((e for e in self.by_id.values() if e.role == role), key=lambda e: e.id)


def _usable(employee: Employee, language: str | None) -> tuple[Person | None, str | None]:
    addressing = address_party(employee.email, active=employee.active)
    if addressing.skip_reason:
        return None, addressing.skip_reason
    return Person(f"employee:{employee.id}", addressing.to[0], employee.name or None, language), None


def _group(employees: list[Employee], language: str | None) -> Found:
    """The usable people of a group of role holders, or why there are none: `no_recipient`
    (nobody holds it), `inactive` (nobody active), else the first active one's address problem."""
    if not employees:
        return Found(reason="no_recipient")
    active = [e for e in employees if e.active]
    if not active:
        return Found(reason="inactive")
    people: list[Person] = []
    reasons: list[str] = []
    for employee in active:
        person, reason = _usable(employee, language)
        if person is None:
            reasons.append(reason or "no_email")
        elif address_key(person.address) not in {address_key(p.address) for p in people}:
            people.append(person)
    return Found(people) if people else Found(reason=reasons[0])


def _one(employee: Employee | None, language: str | None) -> Found:
    if employee is None:
        return Found(reason="no_recipient")
    person, reason = _usable(employee, language)
    return Found([person]) if person else Found(reason=reason, about=f"employee:{employee.id}")


def _id(value: Any) -> int | None:
    return None if value is None else int(value)


def resolve_rule(rule: RecipientRule, row: Mapping[str, Any], roster: Roster, language: str) -> Found:
    """What one rule finds for one row (or a report's first row)."""
    if rule.party:
        party = rule.party
        ref = fill(party.ref, row)
        addressing = address_party(
            row.get(party.email),
            row.get(party.cc) if party.cc else None,
            active=bool(row.get(party.active)) if party.active else True,
            opted_out=bool(row.get(party.opted_out)) if party.opted_out else False,
        )
        if addressing.skip_reason:
            return Found(reason=addressing.skip_reason, about=ref)
        own_language = row.get(party.language) if party.language else None
        return Found(
            [
                Person(
                    ref,
                    addressing.to[0],
                    (str(row.get(party.name) or "").strip() or None) if party.name else None,
                    "en" if own_language == "en" else ("es" if own_language else None),
                    tuple(addressing.cc),
                )
            ]
        )
    if rule.employee:
        return _one(roster.by_id.get(_id(row.get(rule.employee)) or -1), language)
    if rule.manager_of:
        employee = roster.by_id.get(_id(row.get(rule.manager_of)) or -1)
        if employee is None or employee.manager_id is None:
            return Found(reason="no_manager")
        return _one(roster.by_id.get(employee.manager_id), language)
    if rule.role:
        holders = roster.holders(rule.role)
        dealership_level = [e for e in holders if e.branch_id is None]
        if rule.branch:
            branch = _id(row.get(rule.branch))
            chain = [[e for e in holders if e.branch_id == branch], dealership_level]
        else:
            chain = [dealership_level, holders]
        if not rule.fallback:
            chain = chain[:1]
        return first_usable(_group(group, language) for group in chain)
    people = [Person(f"address:{address_key(a)}", a, None, language) for a in _valid(rule.addresses or [])]
    return Found(people) if people else Found(reason="no_recipient")


def _valid(addresses: list[str]) -> list[str]:
    return [a for a in (normalize_address(address) for address in addresses) if a]


def first_usable(found: Iterable[Found]) -> Found:
    """The first result with people; else the first real reason (`no_recipient` only when no
    rule found anybody at all) and whom it concerned."""
    fallback: Found | None = None
    for result in found:
        if result.people:
            return result
        if fallback is None or (fallback.reason == "no_recipient" and result.reason != "no_recipient"):
            fallback = result
    return fallback or Found(reason="no_recipient")
