"""The run parameters' checks: the Param schema when a run is created, the engine's rules when it
starts. What the schema lets through, the start of the run refuses with one line; what the engine
accepts, the schema never refuses."""

from __future__ import annotations

import pytest
from airflow.sdk import Param
from airflow.sdk.exceptions import ParamValidationError

from alertas_rapidas.dag_factory import run_params
from alertas_rapidas.schedule.run_context import RunOptions, check_run_options, run_mode

GOOD_ADDRESSES = [
    "pruebas@concesionaria.com.ar",
    "Pruebas.Equipo+alertas@concesionaria.com.ar",
    "datos@sub-dominio.example.com",
    "ventas@concesionariá.com.ar",  # an internationalised domain: the engine sends it as IDNA
]
# Refused by the trigger form's schema already (HTTP 400 before any run exists).
REFUSED_AT_TRIGGER = [
    "pruebas@example,com",  # the typo of issue 22: 41 statements went there
    "pruebas@example",
    "pruebas@@example.com",
    "pruebas@example.com; otro@example.com",
    "pruebas@example.com,otro@example.com",
    "pruebas @example.com",
    "pruebas@exa_mple.com",
    "pruebas@example.com.",
    "",
]
# Well formed for the schema, refused by the engine's validator when the run starts.
REFUSED_AT_START = [
    ("pruebas.@concesionaria.com.ar", "malformed_email"),
    ("pruebas@concesionaria..com.ar", "malformed_email"),
    ("pruebas@-concesionaria.com.ar", "malformed_email"),
    ("pruebas@concesionaria.test", "reserved_domain"),
    ("pruebas@example.com\n", "malformed_email"),
]


def schema_accepts(name: str, value: object) -> bool:
    param = run_params()[name]
    try:
        Param(value, **param.schema).resolve()
    except ParamValidationError:
        return False
    return True


@pytest.mark.parametrize("address", GOOD_ADDRESSES)
def test_an_address_the_engine_accepts_is_accepted_at_trigger_and_at_start(address):
    assert schema_accepts("redirect_to", address)
    assert RunOptions(redirect_to=address).problems() == []


@pytest.mark.parametrize("address", REFUSED_AT_TRIGGER)
def test_a_malformed_address_is_refused_by_the_trigger_form_and_by_the_engine(address):
    assert not schema_accepts("redirect_to", address)
    if address:  # an empty string is no address at all: the run reads it as "not redirected"
        assert RunOptions(redirect_to=address).problems()


@pytest.mark.parametrize(("address", "reason"), REFUSED_AT_START)
def test_what_the_schema_cannot_see_the_run_refuses_when_it_starts(address, reason):
    assert schema_accepts("redirect_to", address)
    [problem] = RunOptions(redirect_to=address).problems()
    assert problem == (
        f"redirect_to is not an address the mail engine accepts ({reason}): "
        "give exactly one address, with no comma, semicolon or blank"
    )
    assert "@" not in problem  # never the address itself


def test_a_special_use_domain_the_family_allows_is_accepted():
    assert RunOptions(redirect_to="pruebas@intranet.local").problems(["local"]) == []


def test_run_date_is_plain_text_written_yyyy_mm_dd():
    schema = run_params()["run_date"].schema
    assert "format" not in schema  # no date picker: an en-US picker reads 01/11/2026 as 11 January
    assert schema["pattern"] == "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
    assert schema_accepts("run_date", "2026-11-01") and schema_accepts("run_date", None)
    for written in ("01/11/2026", "2026-1-1", "1 Nov 2026", "20261101", "2026-11-01T08:00"):
        assert not schema_accepts("run_date", written), written
    assert RunOptions(run_date="2026-11-01").problems() == []
    # well formed, no such day: refused when the run starts
    assert schema_accepts("run_date", "2026-02-30")
    assert RunOptions(run_date="2026-02-30").problems() == [
        "run_date '2026-02-30' is not a date written YYYY-MM-DD (1 November 2026 is 2026-11-01)"
    ]


def test_refused_options_are_a_configuration_error_of_one_line():
    from alertas_rapidas.config import load_family_config
    from alertas_rapidas.paths import FAMILIES_DIR
    from alertas_rapidas.task_errors import ConfigurationError, configuration_problem

    config, _ = load_family_config(FAMILIES_DIR / "customer_statements.yaml")
    context = {"params": {"redirect_to": "pruebas.@concesionaria.com.ar", "run_date": "2026-13-01"}}
    with pytest.raises(ConfigurationError) as refused:
        check_run_options(config, context)
    line = configuration_problem(refused.value)
    assert "\n" not in line and line.startswith("redirect_to is not an address")
    assert "; run_date '2026-13-01' is not a date" in line
    assert check_run_options(config, {"params": {"dry_run": True}}).dry_run is True


def test_the_mode_has_one_name_each():
    assert RunOptions().mode == "normal"
    assert RunOptions(dry_run=True).mode == "dry run"
    assert RunOptions(redirect_to="pruebas@concesionaria.com.ar").mode == "redirected"
    assert run_mode(dry_run=True, redirected=True) == "dry run"  # a dry run sends nothing anywhere
