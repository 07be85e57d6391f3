"""`python -m alertas_rapidas.authoring validate` without a database: config, SQL parameters,
templates in both languages and their syntax; one line per problem naming the file and what."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from alertas_rapidas.authoring.validate import (
    Problem,
    family_files,
    sql_placeholders,
    summary_line,
    validate_all,
)
from alertas_rapidas.paths import FAMILIES_DIR, PROJECT_ROOT
from tests.support.family_files import copy_family, edit_yaml

FAMILY = "supplier_payments_ready"


@pytest.fixture
def workspace(tmp_path: Path) -> dict[str, Path]:
    """A copy of one configured family (file, SQL, templates) in folders of its own."""
    families, sql, templates = copy_family(tmp_path, FAMILY)
    return {"families": families, "sql": sql, "templates": templates}


def check(workspace: dict[str, Path]) -> tuple[int, list[Problem]]:
    return validate_all(workspace["families"], sql_dir=workspace["sql"], templates_dir=workspace["templates"])


def edit_config(workspace: dict[str, Path], change) -> None:
    edit_yaml(workspace["families"] / f"{FAMILY}.yaml", change)


def line_of(path: Path, text: str) -> str:
    return f"line {next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)}"


def lines(problems: list[Problem]) -> list[str]:
    return [problem.line() for problem in problems]


@pytest.mark.families
def test_the_repository_families_validate_clean():
    checked, problems = validate_all()
    assert lines(problems) == []
    assert checked == len(family_files()) >= 10
    assert (FAMILIES_DIR / "_defaults.yaml").exists()  # present, and not counted as a family


def test_the_copy_validates_clean(workspace):
    assert check(workspace) == (1, [])


def test_an_unbound_sql_parameter_is_named_with_the_closest_bound_name(workspace):
    orders = workspace["sql"] / FAMILY / "orders.sql"
    orders.write_text(orders.read_text().replace("%(window_end)s", "%(window_ends)s"), encoding="utf-8")
    _, problems = check(workspace)
    assert len(problems) == 1, lines(problems)
    problem = problems[0]
    assert problem.file == str(orders)
    assert problem.where == line_of(orders, "%(window_ends)s")
    assert "parameter %(window_ends)s is not bound; did you mean 'window_end'?" in problem.message
    assert "bound: at, iso_week, month, pickup_text, run_date, timezone, window_end" in problem.message


def test_parent_keys_is_bound_for_detail_queries_only(workspace):
    orders = workspace["sql"] / FAMILY / "orders.sql"
    orders.write_text(
        orders.read_text().replace("where ready_at", "where id <> all(%(parent_keys)s) and ready_at"),
        encoding="utf-8",
    )
    _, problems = check(workspace)
    assert [(p.file, p.where) for p in problems] == [(str(orders), line_of(orders, "%(parent_keys)s"))]
    assert "%(parent_keys)s is not bound" in problems[0].message


def test_a_stray_percent_sign_is_reported(workspace):
    orders = workspace["sql"] / FAMILY / "orders.sql"
    orders.write_text(orders.read_text().replace("'ready_for_pickup'", "'ready%'"), encoding="utf-8")
    _, problems = check(workspace)
    assert len(problems) == 1 and problems[0].file == str(orders), lines(problems)
    assert "write a literal percent sign as %%" in problems[0].message


def test_a_missing_sql_file_names_the_config_field(workspace):
    edit_config(workspace, lambda data: data["alert"]["rows"].update(sql=f"{FAMILY}/order.sql"))
    _, problems = check(workspace)
    assert len(problems) == 1, lines(problems)
    assert problems[0].file.endswith(f"families/{FAMILY}.yaml")
    assert problems[0].where == "alert.rows.sql"
    assert "does not exist; did you mean 'supplier_payments_ready/orders.sql'?" in problems[0].message


def test_a_missing_english_template_is_reported(workspace):
    (workspace["templates"] / FAMILY / "subject.en.txt").unlink()
    _, problems = check(workspace)
    assert len(problems) == 1, lines(problems)
    folder = workspace["templates"] / FAMILY
    assert problems[0] == Problem(
        str(folder),
        "subject",
        f"no en template: give {folder / 'subject.en.txt'} or the language-neutral {folder / 'subject.txt'}",
    )


def test_a_language_neutral_template_needs_labels_in_both_languages(workspace):
    folder = workspace["templates"] / FAMILY
    for lang in ("es", "en"):
        (folder / f"subject.{lang}.txt").unlink()
    (folder / "subject.txt").write_text("{{ t.subject }} {{ row.number }}", encoding="utf-8")
    _, problems = check(workspace)
    assert lines(problems) == [
        f"{folder / 'labels.yaml'}: (file): missing: the language-neutral template(s) subject.txt take "
        "their words from it (es: and en: mappings with the same keys)"
    ]

    (folder / "labels.yaml").write_text("es: {subject: Pago listo}\nen: {title: Payment}\n", encoding="utf-8")
    _, problems = check(workspace)
    assert lines(problems) == [
        f"{folder / 'labels.yaml'}: (file): labels missing in one language: subject, title"
    ]

    (folder / "labels.yaml").write_text("es: {subject: Pago listo}\nen: {subject: Payment ready}\n")
    assert check(workspace) == (1, [])


def test_bad_jinja_syntax_is_reported_with_file_and_line(workspace):
    body = workspace["templates"] / FAMILY / "body.es.html"
    text = body.read_text(encoding="utf-8").splitlines()
    text.insert(3, "{% if row.amount %}unclosed {{ row.number }")
    body.write_text("\n".join(text), encoding="utf-8")
    _, problems = check(workspace)
    assert len(problems) == 1, lines(problems)
    assert problems[0].file == str(body)
    assert problems[0].where == "line 4"
    assert problems[0].message.startswith("template syntax error: ")


def test_a_missing_included_template_is_reported(workspace):
    body = workspace["templates"] / FAMILY / "body.en.html"
    body.write_text('{% include "_layouts/nowhere.html" %}\n' + body.read_text(encoding="utf-8"))
    _, problems = check(workspace)
    assert len(problems) == 1 and problems[0].file == str(body), lines(problems)
    assert "uses template '_layouts/nowhere.html', which does not exist" in problems[0].message


def test_a_config_error_is_one_line_per_field(workspace):
    def change(data):
        data["alert"]["grouping"] = "per_rows"
        data["schedule"]["cron"] = "every hour"

    edit_config(workspace, change)
    _, problems = check(workspace)
    assert {p.where for p in problems} == {"schedule.cron", "alert.stages.0.grouping"}, lines(problems)
    assert all(p.file.endswith(f"{FAMILY}.yaml") and "\n" not in p.message for p in problems)


def test_a_pdf_attachment_needs_its_template_in_both_languages(workspace):
    edit_config(
        workspace,
        lambda data: data["alert"].update(
            attachments=[{"kind": "pdf", "template": "notice", "filename": "aviso-{order_id}"}]
        ),
    )
    folder = workspace["templates"] / FAMILY
    (folder / "notice.es.html").write_text("<p>{{ row.number }}</p>", encoding="utf-8")
    _, problems = check(workspace)
    assert [(p.where, p.message.split(":")[0]) for p in problems] == [
        ("alert.attachments[0].template", "no en template")
    ]


def test_sql_placeholders():
    named, bad = sql_placeholders("select %(a)s, '100%%',\n %(b)s, %s, %(c)x")
    assert named == [("a", 1), ("b", 2)]
    assert bad == [("%s", 2), ("%(c)x", 2)]


def test_a_label_missing_from_labels_yaml_is_named_with_file_line_and_the_closest_label(workspace):
    """A language-neutral template reads `t.<label>` in both languages; a misspelt one fails validate."""
    folder = workspace["templates"] / FAMILY
    (folder / "labels.yaml").write_text(
        "es:\n  campaign: Campaña\n  regards: Saludos\nen:\n  campaign: Campaign\n  regards: Regards\n",
        encoding="utf-8",
    )
    (folder / "note.txt").write_text("{{ t.regards }}\n{{ t.campaing }}\n", encoding="utf-8")
    english = folder / "body.en.txt"
    english.write_text(english.read_text() + "{{ t['campaign'] }} {{ t.signature }}\n", encoding="utf-8")
    _, problems = check(workspace)
    labels = folder / "labels.yaml"
    assert sorted(lines(problems)) == sorted(
        [
            f"{folder / 'note.txt'}: line 2: label t.campaing is not in {labels} (es and en); "
            "did you mean 'campaign'?; its labels: campaign, regards",
            f"{english}: {line_of(english, 't.signature')}: label t.signature is not in {labels} (en); "
            "its labels: campaign, regards",
        ]
    )


def test_summary_line():
    assert summary_line(10, 0) == "10 families checked, 0 problems"
    assert summary_line(1, 1) == "1 family checked, 1 problem"
    assert summary_line(41, 0, 3) == "41 families checked, 0 problems, 3 warnings"


def authoring(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alertas_rapidas.authoring", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=os.environ.copy(),
        timeout=120,
    )


def test_cli_exit_codes(workspace):
    clean = authoring("validate")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    *warnings, summary = clean.stdout.splitlines()
    # warnings (a body table wider than the mail) are told and counted, and leave the exit code 0
    assert summary.startswith(f"{len(family_files())} families checked, 0 problems")
    assert all(line.startswith("warning: dags/families/") for line in warnings), warnings
    assert summary.endswith(
        f", {len(warnings)} warning{'' if len(warnings) == 1 else 's'}" if warnings else "s"
    )

    edit_config(workspace, lambda data: data["alert"].update(once_per="payment_ready:{order_id"))
    broken = authoring("validate", "--families", str(workspace["families"]))
    assert broken.returncode == 1
    *problem_lines, summary = broken.stdout.splitlines()
    assert summary == "1 family checked, 1 problem"
    assert problem_lines[0].startswith(f"{workspace['families'] / FAMILY}.yaml: alert.stages.0.once_per: ")

    assert authoring("validate", "--families", str(workspace["families"] / "nowhere")).returncode == 2
    assert authoring("validate", "--frobnicate").returncode == 2
    assert authoring("preview", FAMILY).returncode == 2  # --date is required

    unknown = authoring("preview", "supplier_payment_ready", "--date", "2026-11-01")
    assert unknown.returncode == 1
    assert unknown.stderr.strip().splitlines() == [
        "preview: unknown family 'supplier_payment_ready' (did you mean 'supplier_payments_ready'?); "
        f"known families: {', '.join(p.stem for p in family_files())}"
    ]
