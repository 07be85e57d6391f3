"""The pure transform of `interfaces_not_run`: staleness, recipients, dedupe and silence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from pydantic import ValidationError

from alertas_rapidas.families.interfaces_not_run import InterfacesNotRunSettings, sql_params
from alertas_rapidas.families.interfaces_not_run.transform import build_plan
from alertas_rapidas.schedule.run_time import resolve_run_time

BA = "America/Argentina/Buenos_Aires"
RUN = resolve_run_time(
    timezone=BA, logical_date=datetime(2026, 11, 1, 11, 0, tzinfo=UTC), run_after=None, interval=None
)
T = RUN.at


def freshness(*rows):
    """rows: (code, owner_id, last_success or None)."""
    return pd.DataFrame(
        [
            {
                "interface_id": n,
                "code": code,
                "name": f"Interfaz {code}",
                "owner_id": owner,
                "last_success": pd.Timestamp(last) if last is not None else pd.NaT,
            }
            for n, (code, owner, last) in enumerate(rows, start=1)
        ],
        columns=["interface_id", "code", "name", "owner_id", "last_success"],
    )


def employees(*rows):
    """rows: (id, name, email, role, active)."""
    return pd.DataFrame(list(rows), columns=["employee_id", "full_name", "email", "role", "active"])


def frames(fresh, staff):
    return {
        "freshness": fresh,
        "employees": staff,
        "dealership": pd.DataFrame([{"dealership_name": "Autosur S.A."}]),
    }


def settings(**overrides):
    base = {
        "interfaces": [
            {"code": "PRICE_UPDATE", "max_age": "P10D"},
            {"code": "STOCK_SYNC", "max_age": "P1D", "recipients_roles": ["parts_manager"]},
        ]
    }
    return InterfacesNotRunSettings.model_validate({**base, **overrides})


STAFF = employees(
    (1, "Hernán Quiroga", "hernan@example.com", "interface_admin", True),
    (2, "Martín Gómez", "martin@example.com", "parts_manager", True),
    (3, "Paula Herrera", "paula@example.com", "parts_manager", True),
)


def test_all_fresh_is_silent():
    fresh = freshness(
        ("PRICE_UPDATE", 2, T - timedelta(days=9)),
        ("STOCK_SYNC", 1, T - timedelta(hours=24)),  # exactly the limit: still fresh
    )
    plan = build_plan(frames(fresh, STAFF), settings(), RUN)
    assert (plan.candidates, plan.messages, plan.skipped) == (0, [], [])


def test_stale_interface_goes_to_owner_notify_roles_and_its_own_roles():
    fresh = freshness(
        ("PRICE_UPDATE", 2, T - timedelta(days=14, hours=1, minutes=20)),
        ("STOCK_SYNC", 1, T - timedelta(hours=24, seconds=1)),
    )
    plan = build_plan(frames(fresh, STAFF), settings(), RUN)
    told = {m.to[0]: [i["code"] for i in m.context["interfaces"]] for m in plan.messages}
    assert told == {
        "hernan@example.com": ["PRICE_UPDATE", "STOCK_SYNC"],  # owner of STOCK_SYNC + notify role
        "martin@example.com": ["PRICE_UPDATE", "STOCK_SYNC"],  # owner of PRICE_UPDATE + STOCK_SYNC role
        "paula@example.com": ["STOCK_SYNC"],  # STOCK_SYNC's recipients_roles only
    }
    assert {m.business_key for m in plan.messages} == {"interfaces:2026-11-01"}
    hernan = plan.messages[0]
    assert hernan.recipient_ref == "employee:1" and hernan.display_name == "Hernán Quiroga"
    price = hernan.context["interfaces"][0]
    assert price["last_success_date"] == "2026-10-18" and price["last_success_time"] == "06:40"
    assert price["age"] == {"value": 14.1, "unit": "days"}
    assert price["limit"] == {"value": 10.0, "unit": "days"}
    assert price["owner"] == "Martín Gómez"
    stock = hernan.context["interfaces"][1]
    assert stock["age"] == {"value": 24.0, "unit": "hours"}
    assert stock["limit"] == {"value": 1.0, "unit": "days"}
    assert plan.candidates == 3


def test_never_succeeded_and_unknown_codes_are_stale():
    fresh = freshness(("PRICE_UPDATE", 2, None))  # STOCK_SYNC is not in the DMS at all
    plan = build_plan(frames(fresh, STAFF), settings(), RUN)
    hernan = next(m for m in plan.messages if m.to == ["hernan@example.com"])
    [price, stock] = hernan.context["interfaces"]
    assert price["known"] is True and price["last_success_date"] is None and price["age"] is None
    assert stock["known"] is False and stock["owner"] == ""


def test_unreachable_owner_is_skipped_and_shared_mailbox_gets_one_mail():
    staff = employees(
        (1, "Mesa de Ayuda", "sistemas@example.com", "interface_admin", True),
        (4, "Guardia", "Sistemas@Example.com", "interface_admin", True),
        (2, "Martín Gómez", "martin@", "parts_manager", True),
        (5, "Ex dueño", "ex@example.com", "treasury", False),
    )
    fresh = freshness(("PRICE_UPDATE", 2, None), ("STOCK_SYNC", 5, None))
    plan = build_plan(
        frames(fresh, staff),
        settings(
            interfaces=[{"code": "PRICE_UPDATE", "max_age": "P10D"}, {"code": "STOCK_SYNC", "max_age": "P1D"}]
        ),
        RUN,
    )
    [message] = plan.messages
    assert message.to == ["sistemas@example.com"] and message.recipient_ref == "employee:1"
    assert message.display_name is None  # two names share the mailbox
    assert {(s.recipient_ref, s.reason) for s in plan.skipped} == {
        ("employee:2", "malformed_email"),
        ("employee:5", "inactive"),
    }
    assert plan.candidates == 3


def test_stale_interface_nobody_can_receive_is_skipped():
    fresh = freshness(("PRICE_UPDATE", None, None), ("STOCK_SYNC", None, T))
    plan = build_plan(frames(fresh, employees()), settings(notify_roles=[]), RUN)
    assert plan.messages == []
    assert [(s.recipient_ref, s.business_key, s.reason) for s in plan.skipped] == [
        ("interface:PRICE_UPDATE", "interfaces:2026-11-01", "no_recipient")
    ]


def test_notify_owner_off_tells_roles_only():
    fresh = freshness(("PRICE_UPDATE", 2, None), ("STOCK_SYNC", 1, T))
    plan = build_plan(frames(fresh, STAFF), settings(notify_owner=False), RUN)
    assert [m.to for m in plan.messages] == [["hernan@example.com"]]


def test_sql_params_name_every_code_and_role():
    params = sql_params(settings(), RUN)
    assert params == {
        "codes": ["PRICE_UPDATE", "STOCK_SYNC"],
        "at": T,
        "roles": ["interface_admin", "parts_manager"],
    }


def test_defaults_match_the_issue():
    limits = InterfacesNotRunSettings().limits()
    assert limits == {
        "PRICE_UPDATE": timedelta(days=10),
        "STOCK_SYNC": timedelta(days=1),
        "EXCHANGE_RATES": timedelta(days=1),
        "FACTORY_REPORTING": timedelta(days=1),
    }
    assert InterfacesNotRunSettings().notify_roles == ["interface_admin"]


@pytest.mark.parametrize(
    "bad",
    [
        {"interfaces": []},
        {"interfaces": [{"code": "price_update", "max_age": "P1D"}]},
        {"interfaces": [{"code": "X_Y", "max_age": "PT0S"}]},
        {"interfaces": [{"code": "AB", "max_age": "P1D"}, {"code": "AB", "max_age": "P2D"}]},
        {"notify_roles": ["boss"]},
        {"interfaces": [{"code": "AB", "max_age": "P1D", "recipients": ["x"]}]},
    ],
)
def test_settings_are_validated(bad):
    with pytest.raises(ValidationError):
        InterfacesNotRunSettings.model_validate(bad)
