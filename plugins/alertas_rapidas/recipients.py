"""Recipient addresses: validated and normalised with email-validator, with skip reasons.

An address in a special-use domain (email-validator's `SPECIAL_USE_DOMAIN_NAMES`: `.local`,
`.test`, `.invalid`, `localhost`, `.onion`, `.arpa`) is well formed but not globally deliverable:
it is skipped as `reserved_domain`, unless the family's `allowed_special_domains` names its domain
(an internal network's `local`, or `intranet.local`). The transform step sets that list for the
run with `allowing_special_domains`, so the pure transforms keep their signatures.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

_ALLOWED_SPECIAL: ContextVar[tuple[str, ...]] = ContextVar("allowed_special_domains", default=())


def special_use_suffix(domain: str) -> str | None:
    """The special-use name `domain` is or lies under (`local` for `proveedor.local`), or None."""
    domain = domain.strip().rstrip(".").lower()
    for name in SPECIAL_USE_DOMAIN_NAMES:
        if domain == name or domain.endswith("." + name):
            return name
    return None


def clean_special_domains(domains: Iterable[str]) -> tuple[str, ...]:
    """Allowed special-use domains as compared: lower case, without surrounding dots or blanks."""
    return tuple(d.strip().strip(".").lower() for d in domains if d and d.strip().strip("."))


@contextmanager
def allowing_special_domains(domains: Iterable[str]) -> Generator[None, None, None]:
    """Within the block, addresses under these special-use domains are accepted (not skipped)."""
    token = _ALLOWED_SPECIAL.set(clean_special_domains(domains))
    try:
        yield
    finally:
        _ALLOWED_SPECIAL.reset(token)


def _special_use_form(text: str) -> tuple[str, str] | None:
    """(normalised address, its ASCII domain) when `text` is well formed but for its special-use
    domain; None when it is malformed anyway or its domain is not special-use.

    email-validator refuses every special-use domain outright, so the domain's special-use name is
    swapped for a placeholder label of the same length, the address validated, and the name put back.
    """
    local, at, domain = text.rpartition("@")
    name = special_use_suffix(domain) if at else None
    if name is None:
        return None
    prefix = domain.strip()[: len(domain.strip()) - len(name)]
    probe = f"{local}@{prefix}{'x' * len(name)}"
    try:
        # No globally_deliverable: `root@localhost` has no dot and is still well formed here.
        result = validate_email(probe, check_deliverability=False, globally_deliverable=False)
    except EmailNotValidError:
        return None
    ascii_domain = result.ascii_domain[: -len(name)] + name
    return f"{result.local_part}@{ascii_domain}", ascii_domain


def check_address(value: object) -> tuple[str | None, str | None]:
    """(normalised address, None) for a usable address, else (None, skip reason): `no_email`,
    `malformed_email` or `reserved_domain` (a special-use domain not allowed for this run)."""
    if not isinstance(value, str) or not value.strip():
        return None, "no_email"
    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError:
        special = _special_use_form(value.strip())
        if special is None:
            return None, "malformed_email"
        address, domain = special
        allowed = _ALLOWED_SPECIAL.get()
        if any(domain == d or domain.endswith("." + d) for d in allowed):
            return address, None
        return None, "reserved_domain"
    return result.ascii_email or result.normalized, None


@dataclass(frozen=True)
class Addressing:
    """The outcome for one recipient: addresses to use, or the reason to skip."""

    to: list[str]
    cc: list[str]
    skip_reason: str | None = None


def normalize_address(value: object) -> str | None:
    """The normalised form of an address, or None when it is empty, malformed or in a special-use
    domain that is not allowed (see `check_address` for which).

    No DNS look-up: deliverability is the SMTP server's business, and runs must be reproducible.
    Internationalised domains are returned in their ASCII (IDNA) form, which every SMTP server
    and header accepts; a non-ASCII local part stays as it is (it needs SMTPUTF8).
    """
    return check_address(value)[0]


def address_key(address: str) -> str:
    """What makes two normalised addresses one mailbox: the whole address in lower case.

    email-validator's normal form already has the domain in lower case (IDNA for an
    internationalised one) and the local part in NFC; the local part is compared without case
    too, as every mail system in use does, so `Ana@x.com` and `ana@x.com` get one message. Not
    `casefold()`: it would make `straße@` and `strasse@`, two mailboxes, one."""
    return address.lower()


def unique_addresses(addresses: Iterable[str], exclude: Iterable[str] = ()) -> list[str]:
    """`addresses` in their order, each mailbox once (its first spelling kept), leaving out the
    mailboxes of `exclude` (e.g. Cc without the To addresses)."""
    seen = {address_key(address) for address in exclude}
    unique = []
    for address in addresses:
        key = address_key(address)
        if key not in seen:
            seen.add(key)
            unique.append(address)
    return unique


def normalize_many(values: Iterable[object] | None) -> list[str]:
    """Valid, normalised, de-duplicated addresses in their given order; invalid ones dropped."""
    return unique_addresses(address for address in map(normalize_address, values or ()) if address)


def address_party(
    email: object,
    cc_emails: Iterable[object] | None = None,
    *,
    active: bool = True,
    opted_out: bool = False,
) -> Addressing:
    """Addressing for a customer or supplier: skip when inactive, opted out, or no usable e-mail
    (`no_email`, `malformed_email`, `reserved_domain`)."""
    if not active:
        return Addressing([], [], "inactive")
    if opted_out:
        return Addressing([], [], "opted_out")
    to, problem = check_address(email)
    if to is None:
        return Addressing([], [], problem)
    cc = unique_addresses(normalize_many(cc_emails), exclude=[to])
    return Addressing([to], cc)
