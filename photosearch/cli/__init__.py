"""`photosearch` command line: argument parsing and printing only; the work is the Library service's.

Each sub-command is one small function; heavy imports happen inside them so `photosearch --help`, `status` and
`add` start without torch. Errors: every `PhotoSearchError` (anything a user can cause) is one line on stderr
and exit code 2; Ctrl-C is 130; a closed pipe (`| head`) ends quietly; any other exception is a bug: one line
naming the log file that holds its traceback, exit code 1.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Sequence

from photosearch.cli import library_cmds, model_cmds
from photosearch.cli.args import Parser, add_db
from photosearch.errors import PhotoSearchError
from photosearch.logs import FILE_ONLY, setup_logging

log = logging.getLogger("photosearch.cli")


# Commands of this package. `search` and friends are parsed without asking the installed packages for theirs:
# that look-up (importlib.metadata) cost 26 ms of a 0.13 s CLI start, and a served search is ~0.1 s in all.
CORE_COMMANDS = frozenset({"add", "remove", "search", "status", "duplicates", "models", "embed"})


def _command_word(argv: Sequence[str]) -> str | None:
    """The sub-command named in `argv` (the first word that is neither an option nor `--db`'s value)."""
    words = iter(argv)
    for word in words:
        if word == "--db":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line; with `argv` naming a core command, only the core commands (see above)."""
    parser = Parser(prog="photosearch", description="Search your photos by description.")
    add_db(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    model_cmds.register(sub, Parser)

    def library(name: str, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help)
        add_db(p)
        return p

    library_cmds.register(sub, library)
    # Packages further up the stack (indexer: `index`, `watch`; the app: `app`) add their commands through
    # an entry point, so this core package never imports them.
    if argv is None or _command_word(argv) not in CORE_COMMANDS:
        from importlib.metadata import entry_points

        for entry in entry_points(group="photosearch.cli"):
            entry.load()(sub, library)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    log_file = setup_logging()
    try:
        try:
            argv = sys.argv[1:] if argv is None else list(argv)
            args = build_parser(argv).parse_args(argv)
        except SystemExit as exc:  # --help, or a usage error already printed as one line
            return exc.code if isinstance(exc.code, int) else 2
        code = args.func(args)
        sys.stdout.flush()  # a closed pipe shows up here, inside the handler below
        return code
    except PhotoSearchError as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (`head`, a pager) has gone: stop writing, and keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as exc:  # noqa: BLE001 - a bug: one line here, the traceback in the log
        command = " ".join(sys.argv[1:] if argv is None else argv)
        log.exception("unexpected error in `photosearch %s`", command, extra=FILE_ONLY)
        where = f"the details are in {log_file}" if log_file else "run again with PHOTOSEARCH_LOG_DIR set for details"
        print(f"error: unexpected {type(exc).__name__}: {_one_line(exc)} ({where}; please report it)", file=sys.stderr)
        return 1


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text.encode("utf-8", "backslashreplace").decode("utf-8") or type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
