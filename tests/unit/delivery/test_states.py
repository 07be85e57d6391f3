"""The delivery states in Python and in the ledger's SQL are the same set, and every state the
package's SQL names is one of them (the transitions themselves are checked against a real ledger in
tests/e2e/delivery/test_states.py)."""

from __future__ import annotations

import re
from pathlib import Path

from alertas_rapidas.delivery.states import MOVES, NEW, DeliveryState, allowed, transitions

ROOT = Path(__file__).resolve().parents[3]
MIGRATIONS = sorted((ROOT / "sql" / "alerts" / "migrations").glob("*.sql"))
# The ledger's schema is its migrations, in order: a later one may redefine what an earlier made.
LEDGER_SQL = "\n".join(path.read_text(encoding="utf-8") for path in MIGRATIONS)
STATES = {state.value for state in DeliveryState}


def quoted(text: str) -> set[str]:
    return set(re.findall(r"'([^']*)'", text))


def test_the_check_constraint_allows_exactly_the_enum_states():
    table = LEDGER_SQL[LEDGER_SQL.index("create table if not exists alerts.deliveries") :]
    # the table's own CHECK, and each later `add constraint deliveries_status_check`: the last wins
    owner = r"(?:status text not null|add constraint deliveries_status_check)"
    checks = re.findall(owner + r" check \(\s*status in \(([^)]*)\)\s*\)", table)
    assert checks, "alerts.deliveries.status has no CHECK (status in (...)) in sql/alerts/migrations/"
    assert quoted(checks[-1]) == STATES


def test_the_partial_index_and_the_header_name_only_enum_states():
    index = re.search(r"on alerts\.deliveries \(status\)\s*where status in \(([^)]*)\)", LEDGER_SQL)
    assert index and quoted(index.group(1)) <= STATES
    # the header comment tells the life of a message: pending -> sending -> sent | failed | ...
    # (a migration that adds a state tells it again: the last one holds)
    headers = re.findall(r"-- status: (.*?)\n(?!--)", LEDGER_SQL, re.S)
    assert headers
    words = set(re.findall(r"[a-z]+", headers[-1]))
    assert words >= STATES


def test_every_state_the_package_sql_compares_with_is_an_enum_state():
    """A literal such as `status = 'sendng'` in any file that queries the ledger fails here."""
    pattern = re.compile(r"status\s*(?:=|<>|!=)\s*'([a-z_]+)'|status\s+(?:not\s+)?in\s*\(([^)]*)\)")
    found: dict[str, set[str]] = {}
    files = [*sorted((ROOT / "plugins").rglob("*.py")), *sorted((ROOT / "sql").rglob("*.sql"))]
    for path in files:
        text = path.read_text(encoding="utf-8")
        if "alerts.deliveries" not in text:  # DMS queries have status columns of their own
            continue
        for single, listed in pattern.findall(text):
            names = {single} if single else quoted(listed)
            found.setdefault(str(path.relative_to(ROOT)), set()).update(names)
    assert "sql/alerts/migrations/0001_baseline.sql" in found
    strays = {path: names - STATES for path, names in found.items() if names - STATES}
    assert strays == {}


def test_the_table_names_every_state_and_moves_each_one_somewhere():
    sources = {s for move in MOVES.values() for s in move.sources}
    targets = {t for move in MOVES.values() for t in move.targets}
    assert sources == {NEW, *DeliveryState}
    assert targets == set(DeliveryState)
    # every state but `sending` can be reopened; from `sending` only the SMTP outcome leads on
    assert {t for s, t in transitions() if s == DeliveryState.SENDING} == {
        DeliveryState.SENT,
        DeliveryState.FAILED,
        DeliveryState.DEFERRED,
        DeliveryState.UNKNOWN,
        DeliveryState.WAITING,  # the server said "slow down"
    }
    assert not allowed(DeliveryState.SENT, DeliveryState.SKIPPED)
    assert not allowed(DeliveryState.SENDING, DeliveryState.PENDING)
    assert allowed(NEW, DeliveryState.SENDING)
