"""README's family table is generated from the family files: one place per family's rule."""

from __future__ import annotations

from alertas_rapidas.authoring import families_table
from alertas_rapidas.config import load_family_config


def test_the_readme_holds_the_table_generated_from_the_family_files():
    readme = families_table.README.read_text(encoding="utf-8")
    assert families_table.readme_block(readme) == families_table.markdown(), (
        "README.md's family table differs from the family files: run `make reference`"
    )


def test_every_family_file_has_a_row_with_its_description_and_schedule():
    table = families_table.markdown()
    for path in families_table.family_files():
        config, _ = load_family_config(path)
        row = next(line for line in table.splitlines() if line.startswith(f"| `{config.key}` |"))
        assert " ".join(config.description.split()) in row
        assert config.audience in row
