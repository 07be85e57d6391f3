"""The run summary as a typed value: the dry-run count and the dry-run flag have names of their own,
the stored form is the one every row of alerts.runs already has, and old rows still read."""

from __future__ import annotations

from datetime import date

from alertas_rapidas.contracts.tasks import PlanInfo
from alertas_rapidas.schedule.run_context import RunOptions
from alertas_rapidas.steps import run_problems
from alertas_rapidas.summary import DELIVERY_COUNTS, RunSummary, build_summary, format_summary

PLANNED = PlanInfo(candidates=7, messages=5, skipped={"no_email": 1, "inactive": 1}, batches=("a",))


def test_a_dry_run_keeps_its_count_and_its_flag_apart():
    summary = build_summary(
        "customer_statements", date(2026, 11, 2), PLANNED, [{"dry_run": 5}], RunOptions(dry_run=True)
    )
    assert summary.is_dry_run is True and summary.rendered_unsent == 5 and summary.sent == 0
    stored = summary.to_stored()
    assert stored["dry_run_mode"] is True and stored["dry_run"] == 5  # the wire names rows share
    assert (
        format_summary(summary)[0]
        == "Run summary of customer_statements for 2026-11-02 (DRY RUN: nothing sent)"
    )
    assert "  rendered (dry run) 5" in format_summary(summary)


def test_the_stored_form_is_the_one_rows_already_have():
    summary = build_summary(
        "invoices_due_soon",
        date(2026, 11, 2),
        PLANNED,
        [{"sent": 3, "already_sent": 1, "held_pending": 9}, {"sent": 1, "refused_recipients": 2}],
        RunOptions(),
    )
    summary.problems = ["2 recipient(s) refused by the SMTP server"]
    assert summary.to_stored() == {
        "family": "invoices_due_soon",
        "run_date": "2026-11-02",
        "candidates": 7,
        "messages": 5,
        "skipped": {"inactive": 1, "no_email": 1},
        "held": {},  # issue 21: rows held back by repeat rules or the ledger, by reason
        "sent": 4,
        "already_sent": 1,
        "failed": 0,
        "deferred": 0,
        "unknown": 0,
        "stranded": 0,  # issue 21: left `sending` by a task that stopped
        "waited": 0,  # issue 24: messages that waited for a sending limit's window
        "slowed_down": 0,  # issue 24: the server's slow-down replies
        "refused_recipients": 2,
        "redirected": 0,
        "dry_run": 0,
        "dry_run_mode": False,
        "redirect_mode": False,  # issue 22: every message went to a test address
        "complete": True,
        "problems": ["2 recipient(s) refused by the SMTP server"],
    }
    assert RunSummary.read(summary.to_stored()) == summary
    assert set(DELIVERY_COUNTS) == {
        "sent",
        "already_sent",
        "failed",
        "deferred",
        "unknown",
        "stranded",
        "waited",
        "slowed_down",
        "refused_recipients",
        "redirected",
        "dry_run",
    }


def test_a_row_of_the_first_version_reads_with_defaults():
    # written before run_date was known, `problems`, `held_back` and `refused_recipients` existed
    old = {
        "family": "customer_statements",
        "run_date": None,
        "candidates": 3,
        "messages": 3,
        "skipped": {},
        "sent": 0,
        "already_sent": 0,
        "failed": 0,
        "deferred": 0,
        "unknown": 0,
        "redirected": 0,
        "dry_run": 3,
        "dry_run_mode": True,
        "complete": True,
        "a_key_no_version_knows": 1,
    }
    summary = RunSummary.read(old)
    assert (summary.is_dry_run, summary.rendered_unsent, summary.refused_recipients) == (True, 3, 0)
    assert summary.problems == [] and summary.held_back == [] and summary.run_date is None
    assert summary.mode == "dry run" and not summary.is_redirected
    assert RunSummary.read({**old, "dry_run_mode": False, "redirected": 2}).mode == "redirected"
    assert summary.count("dry_run") == 3 and summary.count("family") == 0 and summary.count("nope") == 0
    assert "a_key_no_version_knows" not in summary.to_stored()


def test_a_held_back_run_names_its_stale_interfaces():
    freshness = [
        {"interface": "GL", "fresh": False, "last_success": None, "age_hours": None, "max_age_hours": 24.0},
        {
            "interface": "AR",
            "fresh": True,
            "last_success": "2026-11-02T06:00:00+00:00",
            "max_age_hours": 24.0,
        },
    ]
    summary = build_summary("x", date(2026, 11, 2), None, [], RunOptions(), freshness)
    assert [item.interface for item in summary.held_back] == ["GL"]
    assert summary.to_stored()["held_back"][0]["interface"] == "GL"
    assert run_problems(None, [], summary) == []  # waiting for stale data is not a failure
    assert run_problems(None, [], RunSummary()) == [
        "extract or transform did not finish: nothing was delivered"
    ]
    assert "  HELD BACK: interface GL is stale (last success never, limit 24.0 h): nothing was sent" in (
        format_summary(summary)
    )
