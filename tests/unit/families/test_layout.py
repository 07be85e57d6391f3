"""One place per Python family: `families/<key>/` holds its spec and its transform, found by
convention; helpers two families share live in `families/_*.py`, never in another family."""

from __future__ import annotations

import ast
from pathlib import Path

from alertas_rapidas.families import get_family, known_families, load_transform

PACKAGE = Path(__file__).resolve().parents[3] / "plugins" / "alertas_rapidas"
FAMILIES = PACKAGE / "families"


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_every_python_family_is_one_package_with_its_spec_and_transform():
    keys = known_families()
    assert keys == sorted(p.name for p in FAMILIES.iterdir() if p.is_dir() and not p.name.startswith("_"))
    assert "invoices_due_soon" in keys and "sales_documents" in keys
    for key in keys:
        spec = get_family(key)
        assert spec.transform == "", f"{key}: the transform is found by convention, not named"
        assert load_transform(spec).__module__ == f"alertas_rapidas.families.{key}.transform"
        # nothing of the family is left elsewhere
        assert not (PACKAGE / "transforms" / f"{key}.py").exists()
        assert not (FAMILIES / f"{key}.py").exists()


def test_a_family_imports_no_other_family():
    for key in known_families():
        for path in sorted((FAMILIES / key).glob("*.py")):
            others = {
                module
                for module in imported_modules(path)
                if module.startswith("alertas_rapidas.families.")
                and module.split(".")[2] not in (key,)
                and not module.split(".")[2].startswith("_")
            }
            assert others == set(), f"{path.relative_to(PACKAGE)} imports another family: {others}"


def test_detail_queries_take_their_parents_keys_instead_of_restating_its_filter():
    import re

    from alertas_rapidas.paths import SQL_DIR

    def parameters(relative: str) -> set[str]:
        return set(re.findall(r"%\((\w+)\)s", (SQL_DIR / relative).read_text(encoding="utf-8")))

    details = 0
    for key in known_families():
        spec = get_family(key)
        for name, relative in spec.queries.items():
            if "parent_keys" in parameters(relative):
                assert name in spec.parents, f"{key}: {relative} binds parent_keys but has no parent"
        for name, (parent, _column) in spec.parents.items():
            details += 1
            shared = parameters(spec.queries[name]) & parameters(spec.queries[parent])
            assert shared == set(), f"{key}: {name} restates {parent}'s filter ({sorted(shared)})"
    assert details >= 3  # sales_documents' and invoices_due_soon's lines, payments' items
