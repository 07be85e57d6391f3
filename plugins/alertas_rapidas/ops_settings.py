"""`python -m alertas_rapidas.ops settings`: tune a family from the shell, as the Alertas page does.

    ops settings show    --family KEY [--json]
    ops settings set     --family KEY --why "..." NAME=VALUE [NAME+=VALUE ...] [--confirm] [--if-version N]
    ops settings unset   --family KEY --why "..." NAME [NAME ...] [--if-version N]
    ops settings history --family KEY [--json]
    ops settings revert  --family KEY --change ID --why "..." [--confirm] [--if-version N]
    ops settings off     --family KEY --why "..."
    ops settings on      --family KEY --why "..."

NAME is a setting (`max_open_days=5`, or `settings.max_open_days=5`), `cc` / `bcc` (fixed addresses
on every message) or `recipients.<stage>.to|cc|bcc`; VALUE is written as in the family file (`5`,
`[7, 1]`, `es`), a recipient list as entries separated by commas (an address, or
`role:<role>` with an optional ` branch:<column>`). `=` replaces the file's value, `+=` adds to a
list. Every value is checked by the family's own models and refused with their message.

Exit codes as the other ops commands: 0 done; 1 nothing found (no override to unset, no such change,
not switched off); 2 refused (a value the models refuse, an unknown field or family, no reason);
3 the ledger cannot be reached; 4 the change needs --confirm (the next run would send 10 times
the messages of the last one, or that could not be checked); 5 someone else saved a change since
--if-version (each change since is printed), or switched the family off first. Every error is one
line on stderr.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

NOT_FOUND, REFUSED, NEEDS_CONFIRMATION, CONFLICT = 1, 2, 4, 5
ACTIONS = ("show", "set", "unset", "history", "revert", "off", "on")


def add_parser(commands: Any) -> None:
    settings = commands.add_parser("settings", help="tune a family's settings, recipients and on/off")
    actions = settings.add_subparsers(dest="action", required=True, parser_class=type(settings))
    helps = {
        "show": "the family's values: the file's, the overrides in force, on or off",
        "set": "override values: NAME=VALUE replaces, NAME+=VALUE adds to a list",
        "unset": "drop overrides: NAME gets the file's value again",
        "history": "every change and every switch off / on, the latest first",
        "revert": "put back what was in force before a change (--change ID)",
        "off": "switch the family off: its runs send nothing until `on`",
        "on": "switch the family on again (nothing is caught up)",
    }
    for action in ACTIONS:
        sub = actions.add_parser(action, help=helps[action])
        sub.add_argument("--family", required=True)
        if action in ("set", "unset"):
            sub.add_argument(
                "assignments",
                nargs="+",
                metavar="NAME=VALUE" if action == "set" else "NAME",
                help=helps[action],
            )
        if action not in ("show", "history"):
            sub.add_argument("--why", help="the reason, kept with the change")
            sub.add_argument("--by", help="who changes it (default: the login name)")
        if action == "revert":
            sub.add_argument(
                "--change", type=int, metavar="ID", required=True, help="the change's id (history)"
            )
        if action in ("set", "unset", "revert"):
            sub.add_argument(
                "--if-version", type=int, metavar="N", help="refuse when the family's version is not N"
            )
            sub.add_argument(
                "--confirm", action="store_true", help="save even when the next run would send 10x more"
            )
        sub.add_argument("--json", action="store_true", help="print JSON instead of text")


def _fail(message: str, code: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def _fail_all(lines: list[str], code: int) -> int:
    for line in lines:
        print(f"error: {line}", file=sys.stderr)
    return code


def run(conn: Any, args: argparse.Namespace) -> int:
    from alertas_rapidas import tuning
    from alertas_rapidas.config import FamilyConfigError
    from alertas_rapidas.ledger import overrides as override_store
    from alertas_rapidas.ledger.mutes import MuteError
    from alertas_rapidas.overrides import OverrideError
    from alertas_rapidas.tuned_values import change_line

    by = (getattr(args, "by", None) or getpass.getuser() or "ops").strip()
    try:
        if args.action == "show":
            return _show(conn, args)
        if args.action == "history":
            return _history(conn, args)
        if not (args.why or "").strip():
            return _fail(f"settings {args.action} needs --why (kept with the change)", REFUSED)
        if args.action in ("off", "on"):
            found = tuning.switch(conn, args.family, on=args.action == "on", by=by, reason=args.why)
            if args.action == "off":
                print(f"{args.family} is {found.state()}; its runs send nothing until `settings on`")
            else:
                print(
                    f"{args.family} is on again (by {by}): it sends from its next run; nothing is caught up"
                )
            return 0
        if args.action == "revert":
            stored = tuning.revert(
                conn, args.family, args.change, by=by, reason=args.why,
                expected_version=args.if_version, confirm=args.confirm,
            )  # fmt: skip
        else:
            edits = _edits(args)
            stored = tuning.save(
                conn, args.family, edits, by=by, reason=args.why,
                expected_version=args.if_version, confirm=args.confirm,
            )  # fmt: skip
    except OverrideError as exc:
        return _fail_all(exc.errors, REFUSED)
    except FamilyConfigError as exc:  # the family file itself does not load: nothing to tune
        return _fail_all([line.strip() for line in str(exc).splitlines() if line.strip()], REFUSED)
    except MuteError as exc:
        code = CONFLICT if "is already" in str(exc) else NOT_FOUND if "is on" in str(exc) else REFUSED
        return _fail(str(exc), code)
    except tuning.NotFound as exc:
        return _fail(str(exc), NOT_FOUND)
    except tuning.NeedsConfirmation as exc:
        return _fail(f"{exc} (add --confirm)", NEEDS_CONFIRMATION)
    except override_store.Conflict as exc:
        print(f"error: {exc}", file=sys.stderr)
        for change in exc.since:
            print(f"  {change_line(change.field, change)}", file=sys.stderr)
        return CONFLICT
    version = stored[0].version if stored else None
    if args.json:
        print(
            json.dumps(
                [{"id": c.id, "version": c.version, "field": c.field, "action": c.action} for c in stored]
            )
        )
    else:
        for change in stored:
            print(f"saved {change_line(change.field, change)}")
        print(f"{args.family} is at settings version {version}: the change takes effect at its next run")
    return 0


def _edits(args: argparse.Namespace) -> list[Any]:
    from alertas_rapidas.overrides import OverrideError
    from alertas_rapidas.tuning import Edit

    if not args.assignments:
        raise OverrideError(
            [f"settings {args.action} needs at least one NAME{'=VALUE' if args.action == 'set' else ''}"]
        )
    edits = []
    for item in args.assignments:
        if args.action == "unset":
            edits.append(Edit(_field(item.strip()), "unset"))
            continue
        name, equals, value = item.partition("=")
        if not equals or not name.strip():
            raise OverrideError([f"{item!r}: write NAME=VALUE (or NAME+=VALUE to add to a list)"])
        merge = "add" if name.endswith("+") else None
        field = _field(name.removesuffix("+").strip())
        is_list = not field.startswith("settings.")
        edits.append(
            Edit(
                field,
                "set",
                text=None if is_list else value,
                entries=value.split(",") if is_list else None,
                merge=merge or ("replace" if is_list else None),
            )
        )
    return edits


def _field(name: str) -> str:
    """A bare setting name is `settings.<name>`; cc, bcc and recipients.* are as written."""
    if name in ("cc", "bcc") or name.startswith(("settings.", "recipients.")):
        return name
    return f"settings.{name}"


def _show(conn: Any, args: argparse.Namespace) -> int:
    from alertas_rapidas import tuning

    state = tuning.load_state(conn, args.family)
    data = tuning.describe(conn, state, reveal=True)
    if args.json:
        print(
            json.dumps({key: value for key, value in data.items() if key != "history"}, indent=2, default=str)
        )
        return 0
    print(
        f"{data['family']}: {data['state']['text']}; settings version {data['version']}; "
        f"next run {data['next_run']}"
    )
    for line in data["errors"]:
        print(f"  ! {line}")
    print(f"{'field':<34} {'source':<9} value (file's value)")
    for item in data["fields"]:
        effective, file_value = item["effective"]["text"], item["file"]["text"]
        shown = effective if item["source"] == "file" else f"{effective} (file: {file_value or '-'})"
        print(f"{item['field']:<34} {item['source']:<9} {shown}")
        if item["override"]:
            over = item["override"]
            print(
                f"{'':<34} {'':<9} v{over['version']} by {over['by']} at {over['at'][:16]}: {over['reason']}"
            )
    return 0


def _history(conn: Any, args: argparse.Namespace) -> int:
    from alertas_rapidas import tuning

    state = tuning.load_state(conn, args.family)
    items = tuning.describe(conn, state, reveal=True)["history"]
    if args.json:
        print(json.dumps(items, indent=2, default=str))
    if not items:
        return _fail(
            f"no changes of {args.family} yet (it has its file's values, and was never switched off)",
            NOT_FOUND,
        )
    if args.json:
        return 0
    for item in items:
        when = item["at"][:16].replace("T", " ")
        if item["kind"] == "change":
            before = item["before"]["text"] or "the file's value"
            after = item["after"]["text"] if item["action"] == "set" else "the file's value"
            plus = "+ " if item["after"].get("merge") == "add" else ""
            print(
                f"{when}  #{item['id']:<5} v{item['version']:<3} {item['by']:<14} "
                f"{item['field']}: {before} -> {plus}{after}  ({item['reason']})"
            )
        else:
            what = {
                "off": "switched off",
                "on": "switched on",
                "mute": f"muted until {str(item.get('until'))[:16]}",
            }[item["kind"]]
            print(f"{when}  {'':<14} {item['by']:<14} {what}  ({item['reason']})")
    return 0
