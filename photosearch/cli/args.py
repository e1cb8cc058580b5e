"""Argument parsing shared by every command, including the ones other packages register (`index`, `watch`).

Only parsing lives here (a number is a number, a date is a date); the ranges a value must lie in are checked
by the core (`SearchRequest`, `Library`), so the app enforces exactly the same rules.
"""
from __future__ import annotations

import argparse
from datetime import date
from typing import NoReturn


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (and exit code 2), like every other user error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see `{self.prog} --help`)\n")


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"dates are YYYY-MM-DD, not {text!r}") from None


def add_db(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    """`--db` is accepted before the command (git style) and after it; the later one wins."""
    parser.add_argument(
        "--db", default=None if top else argparse.SUPPRESS, metavar="PATH",
        help="library database file (default: $PHOTOSEARCH_DB, else the user data folder)",
    )


def add_device(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", default=None, help="auto (default), cpu, cpu-int8 (faster on a CPU: int8 linear layers), cuda, cuda:N or mps")


def add_model(parser: argparse.ArgumentParser, *, library: bool) -> None:
    """Library commands default to the library's own model; the others to the default preset."""
    help_text = (
        "preset or spec; default: the model the library was indexed with" if library
        else "preset or spec; default: the one for this device (llm2clip-1b with a GPU, else a fast multilingual "
        "model; `photosearch models list` marks it); see README"
    )
    parser.add_argument("--model", default=None, help=help_text)
    add_device(parser)
