"""The ledger's SQL moves a message exactly as the transition table says (delivery_state.MOVES).

Every operation that writes `alerts.deliveries.status` is run against a real ledger in PostgreSQL
from every state (and from no row at all); the moves observed are compared with the table.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import psycopg
import pytest

from alertas_rapidas import ops
from alertas_rapidas.bounces.reports import Report
from alertas_rapidas.contracts.plan import idempotency_key
from alertas_rapidas.contracts.tasks import ManifestEntry
from alertas_rapidas.delivery.states import MOVES, NEW, DeliveryState, transitions
from alertas_rapidas.ledger import bounces
from alertas_rapidas.ledger import deliveries as ledger
from alertas_rapidas.ledger.suppressions import ScoreRule

pytestmark = pytest.mark.e2e

FAMILY = "customer_statements"
RECIPIENT = "customer:42"
BUSINESS_KEY = "statement:2026-10"
KEY = idempotency_key(FAMILY, RECIPIENT, BUSINESS_KEY)
RUN_DATE = date(2026, 11, 2)
RUN = {"run_date": RUN_DATE, "dag_id": "alert_customer_statements", "run_id": "manual__1"}
TOKEN = "alert_customer_statements|manual__0|deliver|0"
REPORTS = itertools.count(1)  # each bounce operation reads a report of its own


def claim(policy: ledger.ClaimPolicy):
    def run(conn):
        ledger.claim(
            conn,
            key=KEY,
            family=FAMILY,
            recipient_ref=RECIPIENT,
            business_key=BUSINESS_KEY,
            recipients=["a@example.com"],
            message_id="<m@example.com>",
            policy=policy,
            claim_token=TOKEN,
            claim_try=3,
            **RUN,
        )

    return run


def outcome(status: DeliveryState):
    return lambda conn: ledger.record_outcome(conn, key=KEY, status=status, reason="test")


OPERATIONS = {
    "claim": claim(ledger.ClaimPolicy()),
    "claim resend_unknown": claim(ledger.ClaimPolicy(resend_unknown=True)),
    "claim force_resend": claim(ledger.ClaimPolicy(force_resend=True)),
    **{f"outcome {s}": outcome(s) for s in MOVES["outcome"].targets},
    "interrupted": lambda conn: ledger.mark_interrupted(conn, claim_token=TOKEN, try_number=2),
    "wait": lambda conn: ledger.record_waiting(
        conn,
        entries=[
            ManifestEntry(
                key=KEY,
                recipient_ref=RECIPIENT,
                business_key=BUSINESS_KEY,
                envelope=("a@example.com",),
                message_id="<m@example.com>",
            )
        ],
        family=FAMILY,
        reason="rate_limited: test",
        not_before=datetime(2026, 11, 2, 12, tzinfo=UTC),
        **RUN,
    ),
    "skip": lambda conn: ledger.record_skips(
        conn, family=FAMILY, skips=[(KEY, RECIPIENT, BUSINESS_KEY, "no_email")], **RUN
    ),
    "in_digest": lambda conn: ledger.record_covered(
        conn,
        family=FAMILY,
        recipient_ref=RECIPIENT,
        business_keys=[BUSINESS_KEY],
        message_id="<digest@example.com>",
        **RUN,
    ),
    "reopen": lambda conn: ops._reopen(conn, FAMILY, RECIPIENT, BUSINESS_KEY),
    "bounce": lambda conn: bounces.record_report(
        conn,
        Report("bounce", f"<report-{next(REPORTS)}@example.com>", hard=frozenset({"a@example.com"})),
        bounces.Match(KEY, FAMILY, ("a@example.com",), "verp"),
        RUN_DATE,
        ScoreRule(),
    ),
}


def state(conn) -> DeliveryState | None:
    row = conn.execute("select status from alerts.deliveries where idempotency_key = %s", (KEY,)).fetchone()
    return DeliveryState(row[0]) if row else NEW


@pytest.fixture
def conn(postgres):
    with psycopg.connect(postgres.dsn("alerts"), autocommit=True) as conn:
        conn.execute("drop schema if exists alerts cascade")
        ledger.ensure_schema(conn)
        yield conn


def test_the_ledger_sql_moves_messages_exactly_as_the_table_says(conn, capsys):
    observed: dict[str, set] = {}
    for name, operation in OPERATIONS.items():
        for source in [NEW, *DeliveryState]:
            conn.execute("delete from alerts.deliveries")
            if source is not NEW:
                # an earlier try (1) of this task claimed it: `interrupted` (try 2) recognises it
                conn.execute(
                    "insert into alerts.deliveries (idempotency_key, family, recipient_ref, business_key,"
                    " status, claim_token, claim_try) values (%s, %s, %s, %s, %s, %s, 1)",
                    (KEY, FAMILY, RECIPIENT, BUSINESS_KEY, source, TOKEN),
                )
            operation(conn)
            after = state(conn)
            if after != source:
                observed.setdefault(name, set()).add((source, after))
    capsys.readouterr()  # ops' reopen prints to the terminal

    every_move = {pair for pairs in observed.values() for pair in pairs}
    assert every_move == transitions()
    # and each operation moves exactly as its own row of the table
    by_operation = {
        "claim": "claim",
        "claim resend_unknown": ("claim", "claim_unknown"),
        "claim force_resend": ("claim", "claim_unknown", "claim_forced"),
        "interrupted": "interrupted",
        "wait": "wait",
        "skip": "skip",
        "in_digest": "in_digest",
        "reopen": "reopen",
        "bounce": "bounce",
        **{f"outcome {s}": "outcome" for s in MOVES["outcome"].targets},
    }
    for name, rows in by_operation.items():
        rows = (rows,) if isinstance(rows, str) else rows
        expected = {
            (source, target)
            for row in rows
            for source in MOVES[row].sources
            for target in MOVES[row].targets
            if source != target and (not name.startswith("outcome ") or str(target) == name.split()[1])
        }
        assert observed.get(name, set()) == expected, name


def test_a_state_that_is_no_smtp_outcome_is_refused(conn):
    with pytest.raises(ValueError, match="not an SMTP outcome"):
        ledger.record_outcome(conn, key=KEY, status=DeliveryState.SKIPPED)
