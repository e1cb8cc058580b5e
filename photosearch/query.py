"""Parse weighted query combinations such as `"2:red bicycle in the rain" + ./ref.jpg - "people"`.

A plain paragraph is always one text term, even if it contains " - " or " + " as punctuation: the combination
syntax switches on only when the query has a quoted term or names an image file. Each term may carry a weight
`N:` (inside or before the quotes); `-` negates it.

A term that looks like a path (an unquoted term of a mix with a path separator or an image extension, or a
whole query that is one word ending in an image extension) must name an existing file: a typo in a photo's
path used to turn silently into a text search for the path. Quoting a term makes it text whatever it holds.

`text:word` or `text:"a phrase"` (anywhere in the query, repeatable) keeps only photos whose visible text
contains that word or phrase (case and accents folded; Chinese and Japanese as substrings). The rest of the query,
if any, ranks them as usual; `text:"café luna"` alone ranks them by how well their text matches.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from photosearch.errors import QuerySyntaxError
from photosearch.images.extensions import is_supported

__all__ = ["QuerySyntaxError", "QueryTerm", "TermKind", "parse_query"]

_WEIGHT = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*:(?!//)")
_CONTAINS = re.compile(r"""(?<!\S)text:(?:"([^"]*)"|'([^']*)'|([^\s"']+))""", re.IGNORECASE)


class TermKind(str, Enum):
    TEXT = "text"
    IMAGE = "image"
    CONTAINS = "contains"  # `text:"..."`: only photos whose visible text contains this (weight unused)


@dataclass(frozen=True)
class QueryTerm:
    kind: TermKind
    value: str  # the text, or the image path as written
    weight: float = 1.0  # negative for `- term`


def _looks_like_image(token: str) -> bool:
    return is_supported(token) and Path(token).expanduser().is_file()


def _looks_like_path(token: str) -> bool:
    seps = {os.sep, "/"} | ({os.altsep} if os.altsep else set())
    return token.startswith("~") or any(s in token for s in seps) or is_supported(token)


def _missing_photo(token: str) -> QuerySyntaxError:
    return QuerySyntaxError(f"no photo at {token!r}: check the path, or put the term in quotes to search for it as text")


def _split_weight(token: str) -> tuple[float, str]:
    m = _WEIGHT.match(token)
    if m and not Path(token).expanduser().exists():
        return float(m.group(1)), token[m.end() :].strip()
    return 1.0, token.strip()


def _segments(query: str) -> list[tuple[str, str]]:
    """Split at top-level ` + ` / ` - ` (operators need spaces around them and sit outside quotes)."""
    out: list[tuple[str, str]] = []
    op, buf, quote = "+", [], None
    i = 0
    while i < len(query):
        ch = query[i]
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif (
            ch in "+-"
            and (i == 0 or query[i - 1].isspace())
            and (i + 1 == len(query) or query[i + 1].isspace())
            and ("".join(buf).strip() or not out and i == 0)
        ):
            if "".join(buf).strip():
                out.append((op, "".join(buf).strip()))
            op, buf = ch, []
            i += 1
            continue
        buf.append(ch)
        i += 1
    if quote:
        raise QuerySyntaxError(f"unclosed {quote} in query")
    if "".join(buf).strip():
        out.append((op, "".join(buf).strip()))
    return out


def _unquote(segment: str) -> tuple[float, str, bool]:
    """-> (weight, value, quoted). Accepts `"2:text"`, `2:"text"`, `2:./a.jpg`, `text`."""
    weight, rest = 1.0, segment
    m = _WEIGHT.match(rest)
    if m and len(rest) > m.end() and rest[m.end()] in "\"'":
        weight, rest = float(m.group(1)), rest[m.end() :].strip()
    if len(rest) >= 2 and rest[0] in "\"'" and rest[-1] == rest[0]:
        inner_weight, value = _split_weight(rest[1:-1])
        return weight * inner_weight, value, True
    w, value = _split_weight(rest)
    return weight * w, value, False


def _contains_terms(query: str) -> tuple[list[QueryTerm], str]:
    """The `text:` restrictions, and the query without them."""
    found: list[QueryTerm] = []

    def take(m: re.Match[str]) -> str:
        value = next(g for g in m.groups() if g is not None).strip()
        if not value:
            raise QuerySyntaxError("text: needs a word or a quoted phrase, e.g. text:\"café luna\"")
        found.append(QueryTerm(TermKind.CONTAINS, value))
        return " "

    return found, _CONTAINS.sub(take, query).strip()


def parse_query(query: str) -> list[QueryTerm]:
    query = query.strip()
    if not query:
        raise QuerySyntaxError("empty query")
    contains, query = _contains_terms(query)
    if contains:
        return contains + (parse_query(query) if query else [])
    try:
        parsed = [(op, *_unquote(seg)) for op, seg in _segments(query)]
    except QuerySyntaxError:
        if '"' in query:
            raise
        parsed = []
    structured = any(quoted or _looks_like_image(value) for _, _, value, quoted in parsed)
    if not structured:
        if not any(ch.isspace() for ch in query) and is_supported(query):
            raise _missing_photo(query)  # one word ending in .jpg: a photo's path with a typo, not a description
        return [QueryTerm(TermKind.TEXT, query)]
    terms = []
    for op, weight, value, quoted in parsed:
        if not value:
            raise QuerySyntaxError("a term is empty")
        if weight == 0:
            continue
        image = not quoted and _looks_like_image(value)
        if not quoted and not image and _looks_like_path(value):
            raise _missing_photo(value)
        kind = TermKind.IMAGE if image else TermKind.TEXT
        terms.append(QueryTerm(kind, value, -weight if op == "-" else weight))
    if not terms:
        raise QuerySyntaxError("every term has weight 0")
    return terms
