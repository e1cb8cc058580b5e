"""Showing paths whose names are not valid UTF-8.

Python hands undecodable bytes of a file name over as lone surrogates (PEP 383). Such a `str` opens the file
fine, but printing it, logging it or writing it to a UTF-8 file raises. Every place that shows a path to a
person goes through `display_path` (U+FFFD replacement characters, as file managers show them); machine
output adds the exact bytes (`path_bytes_b64`) so a script can still reach the file.
"""
from __future__ import annotations

import base64
import os


def display_path(path: str | os.PathLike[str]) -> str:
    """The path as text that can always be printed; undecodable bytes become U+FFFD."""
    text = os.fspath(path)
    return os.fsencode(text).decode("utf-8", "replace") if not is_exact_text(text) else text


def is_exact_text(path: str | os.PathLike[str]) -> bool:
    """True when the path is valid Unicode, i.e. `display_path` shows it exactly."""
    try:
        os.fspath(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def path_bytes_b64(path: str | os.PathLike[str]) -> str:
    """The OS bytes of a path, base64: lossless for any name."""
    return base64.b64encode(os.fsencode(os.fspath(path))).decode("ascii")
