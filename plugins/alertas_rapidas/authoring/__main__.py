"""`python -m alertas_rapidas.authoring validate|preview|reference|families`: see `validate.py`,
`preview.py`, `reference.py` and `families_table.py`.

Exit codes: 0 fine, 1 a problem found (validate), the preview could not be made or the docs page has
no generated block, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, time
from pathlib import Path

from alertas_rapidas.paths import FAMILIES_DIR


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date YYYY-MM-DD") from None


def _instant(value: str) -> datetime | time:
    """An ISO 8601 instant with its offset, or a local time of day `HH:MM` (on --date, in the
    family's time zone)."""
    if len(value) == 5 and value[2] == ":":
        try:
            return time.fromisoformat(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a time of day HH:MM") from None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is neither a time of day HH:MM nor an ISO 8601 instant"
        ) from None
    if instant.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{value!r} needs a UTC offset, e.g. 2026-11-01T11:00:00+00:00")
    return instant


def _folder(value: str) -> Path:
    path = Path(value)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{value!r} is not a folder")
    return path


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="python -m alertas_rapidas.authoring", description="Tools for writing an alert."
    )
    commands = main.add_subparsers(
        dest="command", required=True, metavar="{validate,preview,reference,families}"
    )

    validate = commands.add_parser(
        "validate",
        help="check every family file, its SQL and its templates",
        description="Check every family file of the families folder (not _defaults.yaml): the config "
        "loads, its SQL files exist and bind only known parameters, its templates exist in es and en "
        "and parse; with --dms, every SQL file runs (zero rows, read-only) and the columns the config "
        "names exist. One line per problem; exit 1 when there is any.",
    )
    validate.add_argument("--families", type=_folder, default=FAMILIES_DIR, help="families folder")
    validate.add_argument(
        "--dms",
        metavar="DSN",
        nargs="?",
        const="",
        default=None,
        help="a libpq DSN or URI of a DMS database to run the SQL on; without DSN, the Airflow "
        "connection dms_postgres (after `make demo`, `make validate ARGS=--dms` uses the demo's)",
    )

    preview = commands.add_parser(
        "preview",
        help="render what a family would send for a date, without sending",
        description="Extract, transform and render FAMILY for DATE (every run of that day) into files "
        "(.eml, HTML body, attachments, index.html). Nothing is sent; the ledger is not touched "
        "(repeats show as first sends).",
    )
    preview.add_argument("family", metavar="FAMILY", help="family key, e.g. supplier_payments_ready")
    preview.add_argument("--date", type=_day, required=True, help="run date YYYY-MM-DD (dealership time)")
    preview.add_argument(
        "--at",
        type=_instant,
        default=None,
        help="one run: a local time of day HH:MM on DATE in the family's time zone (08:00, as `make "
        "demo` runs), or an ISO 8601 instant with its offset; default: every run the family's "
        "schedule makes on DATE (24 for an hourly family), each message shown once",
    )
    preview.add_argument("--out", type=Path, default=None, help="output folder (.preview/<family>/<date>/)")
    preview.add_argument(
        "--dms", metavar="DSN", default=None, help="the DMS (default: the Airflow connection dms_postgres)"
    )
    preview.add_argument(
        "--alerts",
        metavar="DSN",
        default=None,
        help="for a family whose queries read the package's own database: that database "
        "(default: the Airflow connection alerts_postgres); never used otherwise",
    )
    preview.add_argument("--families", type=_folder, default=FAMILIES_DIR, help="families folder")

    reference = commands.add_parser(
        "reference",
        help="print the field reference of the alert: block (Markdown, from the models)",
        description="Print the field reference of the alert: block as Markdown, generated from the "
        "models (types, defaults, meanings), with the setting types, run values, template context, "
        "filters and skip reasons. With --write, replace docs/reference.md's block between "
        "<!-- alert-reference:start --> and <!-- alert-reference:end --> instead.",
    )
    reference.add_argument(
        "--write", action="store_true", help="update docs/reference.md instead of printing"
    )

    families = commands.add_parser(
        "families",
        help="print the docs' family table (Markdown, from the family files)",
        description="Print the family table generated from the family files (key, kind, description, "
        "audience, schedule, settings). With --write, replace docs/families.md's block between "
        "<!-- families:start --> and <!-- families:end --> instead.",
    )
    families.add_argument("--write", action="store_true", help="update docs/families.md instead of printing")
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "validate":
        from alertas_rapidas.authoring.validate import run

        return run(args.families, args.dms)
    if args.command == "reference":
        return _reference(write=args.write)
    if args.command == "families":
        return _families(write=args.write)

    from alertas_rapidas.authoring.preview import PreviewError, preview

    warnings: list[str] = []
    try:
        line = preview(
            args.family,
            args.date,
            at=args.at,
            out=args.out,
            dsn=args.dms,
            alerts_dsn=args.alerts,
            families_dir=args.families,
            warnings=warnings,
        )
    except PreviewError as exc:
        print(f"preview: {exc}", file=sys.stderr)
        return 1
    for warning in warnings:
        print(f"warning: {warning}")
    print(line)
    return 0


def _reference(*, write: bool) -> int:
    from alertas_rapidas.authoring.reference import PAGE, AlertReferenceError, markdown
    from alertas_rapidas.authoring.reference import write as write_page

    try:
        if not write:
            print(markdown(), end="")
            return 0
        changed = write_page(PAGE)
    except AlertReferenceError as exc:
        print(f"reference: {exc}", file=sys.stderr)
        return 1
    print(f"{_shown(PAGE)}: alert field reference {'updated' if changed else 'already up to date'}")
    return 0


def _families(*, write: bool) -> int:
    from alertas_rapidas.authoring import families_table
    from alertas_rapidas.config import FamilyConfigError

    try:
        if not write:
            print(families_table.markdown(), end="")
            return 0
        changed = families_table.write(families_table.PAGE)
    except families_table.FamiliesTableError as exc:
        print(f"families: {exc}", file=sys.stderr)
        return 1
    except FamilyConfigError as exc:  # the table needs every family file to load
        print(f"families: {exc}\n(`make validate` lists every problem)", file=sys.stderr)
        return 1
    print(f"{_shown(families_table.PAGE)}: family table {'updated' if changed else 'already up to date'}")
    return 0


def _shown(path: Path) -> str:
    from alertas_rapidas.authoring.validate import shown

    return shown(path)


if __name__ == "__main__":
    sys.exit(main())
