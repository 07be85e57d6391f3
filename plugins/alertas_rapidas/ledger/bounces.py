"""Record a delivery report against the message it answers, and count it against the address.

`match_message` finds the ledger row of a report (`bounce_reports.Report`): by the VERP token of
its envelope sender first, else by the Message-ID it quotes. `record_report` then, in one
transaction: notes each bounce of an address the message went to (`alerts.bounces`; a report read
twice records nothing twice), counts it against the address's score and suppresses the address
past the threshold (`suppressions`), and marks the message: `bounced` once every one of its
recipients bounced for good, else the row keeps `sent` and notes the bounce (`bounce_kind` hard
or soft, `bounce_detail`). A report whose addresses are none of the message's recipients is
recorded against the message's one recipient (a forwarding address bounced), or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from alertas_rapidas.bounces.reports import Report
from alertas_rapidas.delivery.states import IN_DIGEST, MOVES, DeliveryState
from alertas_rapidas.ledger.suppressions import HARD, SOFT, ScoreRule, count_bounce
from alertas_rapidas.recipients import address_key


@dataclass(frozen=True)
class Match:
    """The ledger row a report answers."""

    key: str
    family: str
    recipients: tuple[str, ...]
    matched_by: str  # verp | message_id


@dataclass
class Recorded:
    """What recording one report did (counts only: for the task's return value and log)."""

    hard: int = 0
    soft: int = 0
    suppressed: int = 0
    repeated: int = 0  # bounces this report had already recorded (read twice)
    families: dict[str, int] = field(default_factory=dict)


_ROW = "select idempotency_key, family, recipients from alerts.deliveries"


def match_message(conn: Any, report: Report) -> Match | None:
    """The message `report` answers, or None (then a person looks at the report)."""
    for token in sorted(report.tokens):
        row = conn.execute(f"{_ROW} where bounce_token = %s", (token,)).fetchone()
        if row:
            return Match(row[0], row[1], tuple(row[2] or ()), "verp")
    for message_id in report.message_ids:
        # a digest's Message-ID is also on the rows it carried (reason in_digest): take the message
        row = conn.execute(
            f"{_ROW} where message_id = %s order by reason is not distinct from %s limit 1",
            (message_id, IN_DIGEST),
        ).fetchone()
        if row:
            return Match(row[0], row[1], tuple(row[2] or ()), "message_id")
    return None


def bounced_addresses(report: Report, match: Match) -> dict[str, str]:
    """The addresses of the message the report says bounced, each `hard` or `soft`."""
    recipients = {address_key(address.strip()) for address in match.recipients}
    kinds = {address: HARD for address in report.hard} | {address: SOFT for address in report.soft}
    ours = {address: kind for address, kind in kinds.items() if address in recipients}
    if not ours and len(recipients) == 1 and kinds:  # forwarded: the one recipient is the one
        ours = {next(iter(recipients)): HARD if report.hard else SOFT}
    return ours


def record_report(conn: Any, report: Report, match: Match, day: date, rule: ScoreRule) -> Recorded | None:
    """Record the report's bounces (see the module's docstring); None when none is the message's."""
    addresses = bounced_addresses(report, match)
    if not addresses:
        return None
    done = Recorded()
    with conn.transaction():
        for address, kind in sorted(addresses.items()):
            inserted = conn.execute(
                """
                insert into alerts.bounces
                    (report_id, address, kind, idempotency_key, family, matched_by, detail)
                values (%s, %s, %s, %s, %s, %s, %s)
                on conflict (report_id, address) do nothing
                returning id
                """,
                (report.report_id, address, kind, match.key, match.family, match.matched_by, report.detail),
            ).fetchone()
            if inserted is None:
                done.repeated += 1
                continue
            counted = count_bounce(conn, address, kind, day, rule)
            conn.execute("update alerts.bounces set counted = %s where id = %s", (counted.added, inserted[0]))
            setattr(done, kind, getattr(done, kind) + 1)
            done.suppressed += counted.suppressed
            done.families[match.family] = done.families.get(match.family, 0) + 1
        _mark_message(conn, match, report)
    return done


def _mark_message(conn: Any, match: Match, report: Report) -> None:
    """`bounced` when every recipient bounced for good; else the bounce noted on the `sent` row."""
    hard_addresses = conn.execute(
        "select count(distinct address) from alerts.bounces where idempotency_key = %s and kind = %s",
        (match.key, HARD),
    ).fetchone()[0]
    everyone = bool(match.recipients) and hard_addresses >= len({address_key(a) for a in match.recipients})
    conn.execute(
        """
        update alerts.deliveries
           set status = case when %(everyone)s and status = any(%(sources)s) then %(bounced)s else status end,
               bounce_kind = case when %(hard)s or bounce_kind = 'hard' then 'hard' else 'soft' end,
               bounced_at = now(), bounce_detail = coalesce(%(detail)s, bounce_detail), updated_at = now()
         where idempotency_key = %(key)s
        """,
        {
            "everyone": everyone,
            "sources": MOVES["bounce"].source_states(),
            "bounced": DeliveryState.BOUNCED,
            "hard": hard_addresses > 0,
            "detail": report.detail,
            "key": match.key,
        },
    )
