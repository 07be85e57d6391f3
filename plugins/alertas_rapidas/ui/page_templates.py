"""The Jinja2 environment of the plugin's own pages (ui/templates), autoescaped."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape


def page_templates() -> Environment:
    return Environment(
        loader=PackageLoader("alertas_rapidas.ui", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
