"""Addressing a group of employees (a role in a scope): usable addresses, or why there are none."""

from __future__ import annotations

import pandas as pd

from alertas_rapidas.recipients import normalize_address
from alertas_rapidas.transforms.frames import clean_text


def staff_addresses(employees: pd.DataFrame) -> tuple[list[str], str | None]:
    """Usable addresses of a group of employees (active, valid e-mail), or why there is none.

    `no_recipient`: nobody in the group; `inactive`: nobody active; else the address problem of
    the first active one (`no_email` or `malformed_email`).
    """
    if employees.empty:
        return [], "no_recipient"
    active = employees[employees["active"].astype(bool)].sort_values("employee_id")
    if active.empty:
        return [], "inactive"
    addresses: list[str] = []
    reasons: list[str] = []
    for email in active["email"]:
        text = clean_text(email)
        address = normalize_address(text)
        if address is None:
            reasons.append("malformed_email" if text else "no_email")
        elif address.lower() not in {a.lower() for a in addresses}:
            addresses.append(address)
    return (addresses, None) if addresses else ([], reasons[0])
