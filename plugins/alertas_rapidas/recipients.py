"""Recipient addresses: validated and normalised with email-validator, with skip reasons."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email


@dataclass(frozen=True)
class Addressing:
    """The outcome for one recipient: addresses to use, or the reason to skip."""

    to: list[str]
    cc: list[str]
    skip_reason: str | None = None


def normalize_address(value: object) -> str | None:
    """The normalised form of an address, or None when it is empty or malformed.

    No DNS look-up: deliverability is the SMTP server's business, and runs must be reproducible.
    Internationalised domains are returned in their ASCII (IDNA) form, which every SMTP server
    and header accepts; a non-ASCII local part stays as it is (it needs SMTPUTF8).
    """
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError:
        return None
    return result.ascii_email or result.normalized


def normalize_many(values: Iterable[object] | None) -> list[str]:
    """Valid, normalised, de-duplicated addresses in their given order; invalid ones dropped."""
    seen: dict[str, None] = {}
    for value in values or ():
        address = normalize_address(value)
        if address and address.lower() not in {k.lower() for k in seen}:
            seen[address] = None
    return list(seen)


def address_party(
    email: object,
    cc_emails: Iterable[object] | None = None,
    *,
    active: bool = True,
    opted_out: bool = False,
) -> Addressing:
    """Addressing for a customer or supplier: skip when inactive, opted out, or no usable e-mail."""
    if not active:
        return Addressing([], [], "inactive")
    if opted_out:
        return Addressing([], [], "opted_out")
    if not isinstance(email, str) or not email.strip():
        return Addressing([], [], "no_email")
    to = normalize_address(email)
    if to is None:
        return Addressing([], [], "malformed_email")
    cc = [a for a in normalize_many(cc_emails) if a.lower() != to.lower()]
    return Addressing([to], cc)
