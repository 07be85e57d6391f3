"""The docs' family table (docs/families.md) is generated from the family files: one place per
family's rule."""

from __future__ import annotations

import pytest

from alertas_rapidas.authoring import families_table
from alertas_rapidas.config import load_family_config

pytestmark = pytest.mark.families


def test_the_docs_page_holds_the_table_generated_from_the_family_files():
    page = families_table.PAGE.read_text(encoding="utf-8")
    assert families_table.page_block(page) == families_table.markdown(), (
        "docs/families.md's family table differs from the family files: run `make reference`"
    )


def test_every_family_file_has_a_row_with_its_description_and_schedule():
    table = families_table.markdown()
    for path in families_table.family_files():
        config, _ = load_family_config(path)
        row = next(line for line in table.splitlines() if line.startswith(f"| `{config.key}` |"))
        assert " ".join(config.description.split()) in row
        assert config.audience in row


def test_validate_warns_when_the_docs_table_is_stale_and_names_the_fix(tmp_path, monkeypatch):
    from alertas_rapidas.authoring.validate import check_generated_pages

    assert check_generated_pages() == []  # the repository's pages are up to date
    page = tmp_path / "families.md"
    stale = families_table.markdown().replace("| `vehicle_arrived` |", "| `vehicle_arrives` |")
    page.write_text(f"# Families\n\n{families_table.START}\n{stale}{families_table.END}\n", encoding="utf-8")
    monkeypatch.setattr(families_table, "PAGE", page)
    [warning] = check_generated_pages()
    assert (warning.file, warning.where) == (str(page), "family table")
    assert warning.message.endswith("run `make reference`")
    assert families_table.write(page) is True and check_generated_pages() == []
