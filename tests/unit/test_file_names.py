"""One rule for safe file names: run folders, attachment names (configured and Python families)."""

from __future__ import annotations

import pytest

from alertas_rapidas.file_names import fold_accents, safe_file_name


def test_accents_are_folded_not_replaced():
    assert fold_accents("Ñandú Córdoba") == "Nandu Cordoba"
    assert safe_file_name("Ñandú") == "Nandu"
    assert safe_file_name("Estado de cuenta Ñandú") == "Estado-de-cuenta-Nandu"


def test_a_run_id_keeps_its_underscore_form():
    run_id = "scheduled__2026-11-01T11:00:00+00:00"
    assert safe_file_name(run_id, separator="_") == "scheduled__2026-11-01T11_00_00_00_00"
    assert safe_file_name("manual__2026-11-01T11:00:00.123456+00:00", separator="_") == (
        "manual__2026-11-01T11_00_00.123456_00_00"
    )


@pytest.mark.parametrize("value", ["", "   ", "..", ".", "///", "日本"])
def test_nothing_usable_gives_the_fallback(value):
    assert safe_file_name(value, fallback="adjunto") == "adjunto"
    assert safe_file_name(value) == "_"


def test_a_dot_stays_only_between_letters_or_digits():
    assert safe_file_name("factura A.0001.pdf") == "factura-A.0001.pdf"
    assert safe_file_name("A-0001/../00004120 x") == "A-0001-00004120-x"
    assert safe_file_name("../../etc/passwd") == "etc-passwd"
    assert safe_file_name(".hidden-") == "hidden"
    assert safe_file_name("v1..2. final") == "v1-2-final"


def test_a_python_family_and_a_configured_family_name_a_file_alike():
    from alertas_rapidas.engine.planner import _attachment
    from alertas_rapidas.engine.spec import AttachmentRule
    from alertas_rapidas.families.payments_pending_authorization.transform import _attachment as order_file

    rule = AttachmentRule.model_validate({"kind": "xlsx", "filename": "pagos {branch}"})
    configured = _attachment(rule, "es", {"branch": "Ñandú"}).filename
    python = order_file("Ñandú", 7, "es").filename
    assert configured == "pagos-Nandu.xlsx"
    assert python == "orden-de-pago-Nandu.pdf"
