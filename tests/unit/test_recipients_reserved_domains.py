"""Addresses in special-use domains (`.local`, `.test`, `localhost`, ...): their own skip reason,
`reserved_domain`, and `allowed_special_domains` to let an internal network's domain through."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from email_validator import SPECIAL_USE_DOMAIN_NAMES

from alertas_rapidas.config import FamilyConfigError, load_family_config
from alertas_rapidas.contracts.plan import SKIP_REASONS
from alertas_rapidas.families.backorders_arrived.transform import staff_addresses
from alertas_rapidas.recipients import (
    address_party,
    allowing_special_domains,
    check_address,
    normalize_address,
    normalize_many,
)
from tests.support.family_files import families_folder, statements_family, write_yaml


@pytest.mark.parametrize(
    "address",
    [
        "pagos@proveedor.local",
        "Pagos@Intranet.Autosur.LOCAL",
        "qa@dealer.test",
        "root@localhost",
        "nadie@algo.invalid",
        "x@hidden.onion",
        "x@1.168.192.in-addr.arpa",
    ],
)
def test_well_formed_address_in_a_special_use_domain_is_reserved_not_malformed(address):
    assert check_address(address) == (None, "reserved_domain")
    assert normalize_address(address) is None
    party = address_party(address)
    assert (party.to, party.cc, party.skip_reason) == ([], [], "reserved_domain")


@pytest.mark.parametrize("address", ["pagos@@proveedor.local", "pagos@proveedor..local", "sin arroba.local"])
def test_malformed_address_stays_malformed_even_in_a_special_use_domain(address):
    assert check_address(address) == (None, "malformed_email")
    with allowing_special_domains(["local"]):
        assert check_address(address) == (None, "malformed_email")


def test_example_domains_are_ordinary_addresses():
    # email-validator 2.4.0 does not refuse example.com/.example (RFC 6761: "SHOULD NOT" treat
    # them as special): they are the fixtures' and the demo's domains.
    assert check_address("ana@taller.example") == ("ana@taller.example", None)
    assert check_address("ana@example.com") == ("ana@example.com", None)
    assert "example" not in SPECIAL_USE_DOMAIN_NAMES


def test_allowed_special_domains_let_the_named_domains_through_normalised():
    with allowing_special_domains(["local"]):
        assert check_address("  Pagos@Proveedor.LOCAL ") == ("Pagos@proveedor.local", None)
        assert check_address("mesa@intranet.autosur.local") == ("mesa@intranet.autosur.local", None)
        assert check_address("ventas@ñandú.local") == ("ventas@xn--and-6ma2c.local", None)
        # Only what is named: .test stays reserved.
        assert check_address("qa@dealer.test") == (None, "reserved_domain")
        party = address_party("pagos@proveedor.local", ["contable@proveedor.local", "qa@dealer.test"])
        assert (party.to, party.cc, party.skip_reason) == (
            ["pagos@proveedor.local"],
            ["contable@proveedor.local"],
            None,
        )
    # The setting ends with the block (the next run, or another family in the same worker).
    assert check_address("pagos@proveedor.local") == (None, "reserved_domain")
    assert normalize_many(["pagos@proveedor.local", "ana@example.com"]) == ["ana@example.com"]


def test_a_subdomain_entry_allows_only_that_subtree():
    with allowing_special_domains([".Intranet.Local"]):
        assert check_address("mesa@intranet.local") == ("mesa@intranet.local", None)
        assert check_address("mesa@sucursal.intranet.local") == ("mesa@sucursal.intranet.local", None)
        assert check_address("mesa@otra.local") == (None, "reserved_domain")
        assert check_address("mesa@notintranet.local") == (None, "reserved_domain")


def test_localhost_can_be_allowed():
    with allowing_special_domains(["localhost"]):
        assert check_address("root@localhost") == ("root@localhost", None)


def test_reserved_domain_is_a_documented_skip_reason():
    assert "reserved_domain" in SKIP_REASONS
    assert "allowed_special_domains" in SKIP_REASONS["reserved_domain"]


def test_a_python_transform_reports_reserved_domain_and_honours_the_setting():
    staff = pd.DataFrame(
        [{"employee_id": 7, "full_name": "Mesa de Ayuda", "email": "mesa@intranet.local", "active": True}]
    )
    assert staff_addresses(staff) == ([], "reserved_domain")
    with allowing_special_domains(["local"]):
        assert staff_addresses(staff) == ([(7, "Mesa de Ayuda", "mesa@intranet.local")], None)


# --- the family config field --------------------------------------------------------------------


@pytest.fixture
def families(tmp_path: Path) -> Path:
    return families_folder(tmp_path)


def test_default_is_empty(families):
    config, _ = load_family_config(
        write_yaml(families / "statements_local.yaml", statements_family("statements_local"))
    )
    assert config.allowed_special_domains == []


def test_dealership_defaults_set_it_and_a_family_overrides_it(families):
    write_yaml(families / "_defaults.yaml", {"allowed_special_domains": ["local", " .Test "]})
    inherited, _ = load_family_config(
        write_yaml(families / "statements_local.yaml", statements_family("statements_local"))
    )
    assert inherited.allowed_special_domains == ["local", "test"]
    own, _ = load_family_config(
        write_yaml(
            families / "statements_strict.yaml",
            statements_family("statements_strict", allowed_special_domains=[]),
        )
    )
    assert own.allowed_special_domains == []


def test_a_domain_that_is_not_special_use_is_refused_with_the_list(families):
    path = write_yaml(
        families / "statements_local.yaml",
        statements_family("statements_local", allowed_special_domains=["autosur.com.ar"]),
    )
    with pytest.raises(FamilyConfigError) as info:
        load_family_config(path)
    message = str(info.value)
    assert "allowed_special_domains" in message
    assert "'autosur.com.ar' is not a special-use domain" in message
    assert "local" in message and "localhost" in message
