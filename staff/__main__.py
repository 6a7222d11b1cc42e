"""The staff command line: `python -m staff <command>`; the Makefile targets call it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Iterable, List, Optional

from staff.messages import say
from staff.project import Project

DEFAULT_MODEL = Path("models/perheneuvo.tar.gz")


class _Formatter(argparse.HelpFormatter):
    def add_usage(
        self,
        usage: Optional[str],
        actions: Iterable[argparse.Action],
        groups: Iterable[Any],
        prefix: Optional[str] = None,
    ) -> None:
        super().add_usage(usage, actions, groups, say("cli.usage") if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(formatter_class=_Formatter, add_help=False, **kwargs)
        self._positionals.title = say("cli.commands")
        self._optionals.title = say("cli.options")
        self.add_argument("-h", "--help", action="help", help=say("cli.help"))
        self.add_argument("--projekti", type=Path, default=Project().root, help=say("cli.project"))

    def error(self, message: str) -> None:  # type: ignore[override]
        print(say("cli.error", problem=message), file=sys.stderr)
        sys.exit(2)


def parser() -> argparse.ArgumentParser:
    root = _Parser(prog="python -m staff", description=say("cli.description"))
    commands = root.add_subparsers(
        dest="command",
        required=True,
        parser_class=_Parser,
        metavar="{check,eval,reload,inbox,inbox-add}",
    )
    check = commands.add_parser("check", help=say("cli.check"))
    check.add_argument("--kaikki", action="store_true", help=say("cli.check_all"))
    evaluate = commands.add_parser("eval", help=say("cli.eval"))
    evaluate.add_argument("--malli", type=Path, default=DEFAULT_MODEL, help=say("cli.eval_model"))
    evaluate.add_argument(
        "--tulokset", type=Path, default=Path("results/eval"), help=say("cli.eval_out")
    )
    reload = commands.add_parser("reload", help=say("cli.reload"))
    reload.add_argument("--malli", type=Path, default=DEFAULT_MODEL, help=say("cli.reload_model"))
    reload.add_argument("--osoite", help=say("cli.url"))
    inbox = commands.add_parser("inbox", help=say("cli.inbox"))
    inbox.add_argument("--paivat", type=int, help=say("cli.inbox_days"))
    inbox.add_argument("--kanta", help=say("cli.inbox_db"))
    inbox.add_argument("--kynnys", type=float, help=say("cli.inbox_threshold"))
    inbox.add_argument("--osoite", help=say("cli.url"))
    add = commands.add_parser("inbox-add", help=say("cli.inbox_add"))
    add.add_argument("--viesti", help=say("cli.inbox_add_message"))
    add.add_argument("--ryhma", type=int, help=say("cli.inbox_add_group"))
    add.add_argument("--aihe", help=say("cli.inbox_add_topic"))
    return root


def _in(project: Project, path: Path) -> Path:
    """Relative paths are relative to the project."""
    return path if path.is_absolute() else project.root / path


def main(argv: Optional[List[str]] = None) -> int:
    args = parser().parse_args(argv)
    project = Project(args.projekti.resolve())
    if args.command == "check":
        from staff import checks

        return checks.run(project, show_all=args.kaikki)
    if args.command == "eval":
        from staff import evaluation

        return evaluation.run(project, _in(project, args.malli), _in(project, args.tulokset))
    if args.command == "reload":
        from staff import connection, reload

        return reload.run(
            project,
            args.malli,
            args.osoite or connection.rasa_url(),
            connection.api_token(),
            connection.actions_url(),
        )
    if args.command == "inbox":
        from staff import connection, inbox

        given = {"days": args.paivat, "threshold": args.kynnys}
        return inbox.run(
            project,
            args.kanta or connection.tracker_db(),
            args.osoite or connection.rasa_url(),
            connection.api_token(),
            **{name: value for name, value in given.items() if value is not None},
        )
    if args.command == "inbox-add":
        from staff import inbox_add

        return inbox_add.run(project, args.aihe, args.viesti, args.ryhma)
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
