"""The tutorial (docs/add-an-alert.md) run as written, on a copy of the project: adding an alert
really is files only.

The copy holds the project's files (no `.venv`, `.demo` or git); its demo DMS is made as `make
demo` leaves it (the embedded PostgreSQL running in `.demo/pg`, filled with the demo data). Then
every fenced block of the page, in order: a block with a `title="<path>"` is a file written there,
a `bash` block is run by bash in the copy's folder (its `make` uses this session's virtualenv and
the copy's own code). So the page's queries, family file, DAG file, templates and demo case are
the ones that pass `make validate` (also `--dms`), `make reference`, `make preview`, `make demo`
and the `families` tests, which run in the copy with the new family among the others. The output
the page shows is checked against what the commands print, the example error included.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[3]
PAGE = ROOT / "docs" / "add-an-alert.md"
KEY = "appointment_arrivals"
FENCE = re.compile(r'^``` ?([\w-]+)(?: title="([^"]+)")?\n(.*?)^```$', re.MULTILINE | re.DOTALL)
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", ".demo", ".ui", ".bench*", ".preview", ".site", ".airflow", "__pycache__",
    "*.egg-info", ".pytest_cache", "test-artifacts",
)  # fmt: skip
# What makes the virtualenv's marker newer than them: the copy uses this session's installed venv.
INSTALL_INPUTS = ("requirements.txt", "requirements-dev.txt", "pyproject.toml", "Makefile")


@dataclass(frozen=True)
class Block:
    language: str
    title: str | None
    text: str


def blocks() -> list[Block]:
    text = PAGE.read_text(encoding="utf-8")
    return [Block(lang, title, body) for lang, title, body in FENCE.findall(text)]


def output_block(starting: str) -> str:
    """The page's `text` block (an output it shows) that starts with `starting`."""
    return next(b.text.strip() for b in blocks() if b.language == "text" and b.text.startswith(starting))


def test_the_page_has_files_and_commands_for_every_part_of_an_alert():
    files = {b.title for b in blocks() if b.title}
    assert {
        f"dags/families/{KEY}.yaml",
        f"dags/alert_{KEY}.py",
        f"sql/{KEY}/arrivals.sql",
        f"include/templates/{KEY}/labels.yaml",
        f"include/templates/{KEY}/subject.txt",
        f"include/templates/{KEY}/body.html",
        f"tools/alertas_dev/demo/cases/{KEY}.sql",
    } == files
    commands = [b.text for b in blocks() if b.language == "bash" and not b.title]
    assert any("make validate" in c for c in commands) and any("make preview" in c for c in commands)
    assert commands[-1].strip() == 'make test PYTEST_ARGS="-m families"'
    assert not any(".venv/bin" in c for c in commands)  # make targets only: what a user types


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project whose demo DMS is as `make demo` leaves it: running, filled."""
    from alertas_dev import gallery
    from alertas_dev.demo.local_postgres import LocalPostgres

    copy = tmp_path / "project"
    shutil.copytree(ROOT, copy, ignore=NOT_COPIED, symlinks=True)
    installed = (Path(sys.executable).parent.parent / ".installed").stat().st_mtime
    for name in INSTALL_INPUTS:
        os.utime(copy / name, (installed - 1, installed - 1))
    server = LocalPostgres(copy / ".demo" / "pg").start()
    try:
        dms = server.create_database("dms")
        alerts = server.create_database("alerts")
        gallery.load_demo(dms, alerts)
        yield copy
    finally:
        server.stop()
        server.shutdown()  # whatever a command left running


def environment(copy: Path) -> dict[str, str]:
    """A user's shell in the copy: no Airflow or package settings of this session; the copy's code
    before the editable install's; `make` with this session's virtualenv."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "ALERTAS_", "PYTEST_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(copy / "plugins"), str(copy / "tools")])
    env["VENV"] = str(Path(sys.executable).parent.parent)
    return env


def run(command: str, copy: Path, *, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", command],
        cwd=copy,
        env=environment(copy),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_the_tutorial_runs_as_written_and_the_new_family_passes_the_family_checks(project):
    outputs: dict[str, str] = {}
    for block in blocks():
        if block.title:  # a file of the alert
            path = project / block.title
            assert not path.exists(), f"{block.title}: the tutorial adds files, it never replaces one"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(block.text, encoding="utf-8")
        elif block.language == "bash":
            result = run(block.text, project)
            shown = f"$ {block.text}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
            assert result.returncode == 0, shown
            outputs.setdefault(block.text.strip(), result.stdout + result.stderr)

    # what the page says the commands print
    assert output_block("warning: docs/families.md") in outputs["make validate"]
    assert "0 problems" in outputs["make validate"]
    assert "0 problems" in outputs["make validate ARGS=--dms"]
    assert (project / "docs" / "families.md").read_text().count(f"| `{KEY}` | configured |") == 1
    preview = outputs[f"make preview FAMILY={KEY} DATE=2026-11-01 AT=08:00"]
    assert output_block("2 messages") in preview
    mails = [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted((project / ".preview" / KEY / "2026-11-01").glob("*.eml"))
    ]
    assert sorted(str(mail["Subject"]) for mail in mails) == [
        "Recibimos su Toyota Corolla: orden de reparación 900001",
        "We received your Ford Ranger: work order 900002",
    ]
    # to the customer, copied to the work order's advisor (the demo's fixed people)
    assert [
        (str(mail["To"]).split(" <")[0].strip('"'), "Tomás Benítez" in str(mail["Cc"])) for mail in mails
    ] == [
        ("María José Rodríguez", True),
        ("Andes Mining Services S.A.", False),
    ]
    assert "Emiliano Paz" in str(mails[1]["Cc"])
    [row] = [
        line
        for line in outputs[f'make demo DEMO_ARGS="--dag alert_{KEY}"'].splitlines()
        if line.startswith(KEY)
    ]
    assert row.split()[1:6] == ["success", "2", "2", "0", "0"], (
        row
    )  # state, candidates, sent, already, failed
    families = outputs['make test PYTEST_ARGS="-m families"']
    assert re.search(r"\d+ passed", families) and " failed" not in families, families[-3000:]

    # the page's example mistake fails as the page shows
    body = project / "include" / "templates" / KEY / "body.html"
    body.write_text(body.read_text().replace("t.intro.", "t.intor."), encoding="utf-8")
    mistake = run("make validate", project)
    assert mistake.returncode != 0
    assert output_block(f"include/templates/{KEY}/body.html") in mistake.stdout, mistake.stdout
