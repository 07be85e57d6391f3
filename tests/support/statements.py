"""Builders for tests of the statements family on tests/fixtures/statements.sql."""

from __future__ import annotations


def add_customers(dms, count: int, first: int = 100) -> None:
    """`count` more customers, each with one October invoice: one statement each."""
    last = first + count - 1
    dms.execute(
        """
        insert into dms.customers (id, code, legal_name, tax_id, email, language, branch_id)
        select i, 'L' || i, 'Cliente ' || i, '30-' || lpad(i::text, 8, '0') || '-1',
               'cliente' || i || '@example.com', 'es', 1
          from generate_series(%(first)s::int, %(last)s::int) as i
        """,
        {"first": first, "last": last},
    )
    dms.execute(
        """
        insert into dms.account_movements (id, customer_id, branch_id, currency, account_type,
                                           movement_date, description, debit, credit)
        select 100000 + i, i, 1, 'ARS', 'parts', date '2026-10-10', 'Factura B 0001-' || i, 100.00, 0
          from generate_series(%(first)s::int, %(last)s::int) as i
        """,
        {"first": first, "last": last},
    )
