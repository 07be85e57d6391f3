"""One notion of "the same mailbox" for every list of addresses: the whole address without case."""

from __future__ import annotations

from alertas_rapidas.recipients import address_key, address_party, normalize_many, unique_addresses


def test_duplicates_by_case_keep_the_first_spelling_in_order():
    addresses = ["Ana@Example.com", "luis@example.com", "ana@example.com", "LUIS@EXAMPLE.COM", "eva@x.com"]
    assert unique_addresses(addresses) == ["Ana@Example.com", "luis@example.com", "eva@x.com"]


def test_the_exclude_list_is_left_out_whatever_its_case():
    assert unique_addresses(["a@x.com", "B@x.com", "c@x.com"], exclude=["A@X.COM", "b@x.com"]) == ["c@x.com"]
    assert unique_addresses([], exclude=["a@x.com"]) == []


def test_the_same_mailbox_is_the_whole_address_lower_cased_not_casefolded():
    assert address_key("Ana.Pérez@Example.COM") == "ana.pérez@example.com"
    assert unique_addresses(["straße@example.com", "strasse@example.com"]) == [
        "straße@example.com",
        "strasse@example.com",
    ]


def test_normalised_lists_and_a_partys_cc_use_the_same_rule():
    assert normalize_many(["Ana@Example.com", "ana@EXAMPLE.com", "bad"]) == ["Ana@example.com"]
    party = address_party("ana@example.com", ["ANA@example.com", "luis@example.com", "Luis@Example.com"])
    assert party.to == ["ana@example.com"] and party.cc == ["luis@example.com"]


def test_the_planner_and_the_envelope_share_it():
    """No other de-duplicator of addresses is left in the engine or the renderer."""
    from alertas_rapidas import rendering
    from alertas_rapidas.engine import planner

    assert not hasattr(planner, "_unique") and not hasattr(rendering, "_unique")
    assert planner.unique_addresses is unique_addresses is rendering.unique_addresses
