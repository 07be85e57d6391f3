"""The Alertas page's committed bundle (plugins/alertas_rapidas/ui/static/alertas-ui.js) is the one
its sources build.

`make ui-build` (npm ci, type check, Vite) writes the bundle and, beside it, a SHA-256 of the files
that decide it (`react/stamp.mjs`). Without Node, the check is that hash, computed here the same
way: a change to the sources, the lock file or the build config fails until the bundle is rebuilt.
With the React project's `node_modules` present (after `make ui-build`), the bundle is also built
again into a temporary folder and compared byte for byte.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

UI = Path(__file__).resolve().parents[3] / "plugins" / "alertas_rapidas" / "ui"
REACT = UI / "react"
BUNDLE = UI / "static" / "alertas-ui.js"
STAMP = UI / "static" / "alertas-ui.sources.sha256"
INPUTS = ("package.json", "package-lock.json", "tsconfig.json", "vite.config.ts", "src")
SHARED = ("ChakraUI", "React", "ReactRouterDOM", "ReactJSXRuntime")  # the Airflow UI's globals


def sources_hash() -> str:
    """As react/stamp.mjs computes it: sorted relative paths, each with its content."""
    files = []
    for name in INPUTS:
        path = REACT / name
        files += [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
    digest = hashlib.sha256()
    for relative in sorted(p.relative_to(REACT).as_posix() for p in files):
        digest.update(relative.encode() + b"\n")
        digest.update((REACT / relative).read_bytes())
        digest.update(b"\n")
    return digest.hexdigest()


def test_the_bundle_was_built_from_the_current_sources():
    assert BUNDLE.is_file(), "no bundle: run `make ui-build`"
    assert STAMP.read_text().strip() == sources_hash(), (
        "the React sources changed since the bundle was built: run `make ui-build` and commit "
        "plugins/alertas_rapidas/ui/static/"
    )


def test_the_bundle_is_a_react_app_plugin_sharing_the_uis_libraries():
    text = BUNDLE.read_text(encoding="utf-8")
    head = text[:800]
    assert ".AirflowPlugin=" in head  # the UMD global the Airflow UI reads after loading it
    for name in SHARED:
        assert f".{name}" in head, name
    # React, React DOM and Chakra are the UI's own, not bundled: the page stays small
    assert len(text) < 150_000 and "react.production" not in text and "__SECRET_INTERNALS" not in text


@pytest.mark.skipif(
    not (REACT / "node_modules" / ".bin" / "vite").exists() or shutil.which("node") is None,
    reason="the React project's node_modules are not installed (make ui-build)",
)
def test_building_again_gives_the_committed_bundle(tmp_path):
    subprocess.run(
        [
            str(REACT / "node_modules" / ".bin" / "vite"),
            "build",
            "--outDir",
            str(tmp_path),
            "--logLevel",
            "error",
        ],
        cwd=REACT,
        check=True,
        timeout=300,
    )
    assert (tmp_path / "alertas-ui.js").read_bytes() == BUNDLE.read_bytes(), "run `make ui-build`"
