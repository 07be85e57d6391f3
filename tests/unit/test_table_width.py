"""A body table wider than the 640 px mail is a warning from `validate` (declared columns) and from
`preview` (the cells a message carries), naming the family and the table."""

from __future__ import annotations

from pathlib import Path

import yaml

from alertas_rapidas.authoring.table_width import MAIL_WIDTH, estimated, rendered, widest_piece
from alertas_rapidas.authoring.validate import Problem, validate_all
from tests.support.family_files import copy_family

FAMILY = "parts_below_minimum"  # a report with a body table of five columns


def table(*columns: tuple[str, str]) -> dict:
    return {
        "columns": [
            {"key": f"c{n}", "label_es": label, "label_en": label, "kind": kind}
            for n, (label, kind) in enumerate(columns)
        ]
    }


def test_text_wraps_at_spaces_but_amounts_and_dates_do_not():
    assert widest_piece("Ranger XLT 3.2 4x4") == widest_piece("Ranger")
    assert widest_piece("$\u00a01.234.567,89") > widest_piece("1.234.567,89")  # a no-break space holds


def test_a_measured_table_is_too_wide_when_its_unbreakable_pieces_add_up_past_the_mail():
    wide = table(*[("Importe", "money")] * 8)
    row = {f"c{n}": 123_456_789_00 for n in range(8)}
    measured = rendered("table", wide, [row], "es")
    assert measured.too_wide and measured.width > MAIL_WIDTH and measured.columns == 8
    narrow = rendered("table", table(("Código", "text"), ("Importe", "money")), [row], "es")
    assert not narrow.too_wide


def test_an_estimate_takes_the_wider_language():
    columns = [({"es": "Días", "en": "Days overdue since the due date"}, "int")] * 6
    assert (
        estimated("table", columns).width
        > estimated("table", [({"es": "Días", "en": "Days"}, "int")] * 6).width
    )


def workspace(tmp_path: Path) -> tuple[Path, Path, Path]:
    return copy_family(tmp_path, FAMILY)


def test_validate_warns_about_a_body_table_wider_than_the_mail_and_still_passes(tmp_path):
    families, sql, templates = workspace(tmp_path)
    warnings: list[Problem] = []
    assert validate_all(families, sql_dir=sql, templates_dir=templates, warnings=warnings) == (1, [])
    assert warnings == []  # five columns fit

    path = families / f"{FAMILY}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for column in data["alert"]["columns"].values():
        column["label"]["en"] = (
            "A much longer heading " + column["label"]["en"].replace(" ", "_") + "_in_full"
        )
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert validate_all(families, sql_dir=sql, templates_dir=templates, warnings=warnings) == (1, [])
    [warning] = warnings
    assert (warning.file, warning.where) == (str(path), "alert.table")
    assert "wider than the 640 px mail" in warning.message and "(5 columns," in warning.message
