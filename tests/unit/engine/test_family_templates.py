"""Every family's templates, whichever families exist: an English mail never greets the Spanish way
("Hello Ana:" is "Hola Ana:" in English words; English writes "Hello Ana,")."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from jinja2 import Environment, nodes

from alertas_rapidas.authoring.validate import family_files
from alertas_rapidas.paths import TEMPLATES_DIR

pytestmark = pytest.mark.families

GREETINGS = ("hello", "dear")  # the labels that open a mail


def template_folders() -> list[Path]:
    from alertas_rapidas.config import load_family_config
    from alertas_rapidas.engine.family import family_for

    folders = set()
    for path in family_files():
        config, _ = load_family_config(path)
        folders.add(TEMPLATES_DIR / family_for(config).templates)
    return sorted(folder for folder in folders if folder.is_dir())


def text_after_greeting(template: nodes.Template) -> list[tuple[int, str]]:
    """(line, text) written right after `{{ t.hello }}` (or `t.dear...`), past the name's `{% if %}`.

    Within each statement list (a template's, a block's, an if's body), the expressions of its
    outputs and its statements in the order they write."""
    found = []
    for owner in [template, *template.find_all(nodes.Node)]:
        body = getattr(owner, "body", None)
        if not isinstance(body, list):
            continue
        stream: list[nodes.Node] = []
        for statement in body:
            stream += statement.nodes if isinstance(statement, nodes.Output) else [statement]
        for index, item in enumerate(stream):
            if not (
                isinstance(item, nodes.Getattr)
                and isinstance(item.node, nodes.Name)
                and item.node.name == "t"
                and item.attr in GREETINGS
            ):
                continue
            following = [each for each in stream[index + 1 :] if not isinstance(each, nodes.If)]
            if following and isinstance(following[0], nodes.TemplateData):
                found.append((item.lineno, following[0].data))
    return found


@pytest.mark.parametrize("folder", template_folders(), ids=lambda folder: folder.name)
def test_an_english_greeting_ends_with_a_comma(folder):
    labels_path = folder / "labels.yaml"
    labels = yaml.safe_load(labels_path.read_text(encoding="utf-8")) if labels_path.exists() else {}
    for name in GREETINGS:  # a label holding the whole greeting
        english = str((labels.get("en") or {}).get(name, ""))
        assert not english.rstrip().endswith(":"), f"{labels_path}: en.{name} {english!r}"
    env = Environment()
    for path in sorted(folder.glob("*.*")):
        if path.suffix not in (".html", ".txt") or ".es." in path.name:
            continue  # a Spanish-only template may end "Hola Ana:"
        for line, text in text_after_greeting(env.parse(path.read_text(encoding="utf-8"))):
            assert not text.startswith(":"), (
                f"{path}: line {line}: the greeting is followed by a literal ':', which English "
                "mails would show too; put it in labels.yaml (hello_end: ':' in es, ',' in en)"
            )
