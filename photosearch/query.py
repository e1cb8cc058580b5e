"""Parse weighted query combinations such as `"2:red bicycle in the rain" + ./ref.jpg - "people"`.

A plain paragraph is always one text term, even if it contains " - " or " + " as punctuation: the combination
syntax switches on only when the query has a quoted term or names an image file. Each term may carry a weight
`N:` (inside or before the quotes); `-` negates it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from photosearch.images import is_supported

_WEIGHT = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*:(?!//)")


@dataclass(frozen=True)
class QueryTerm:
    kind: str  # "text" or "image"
    value: str  # the text, or the image path as written
    weight: float = 1.0  # negative for `- term`


class QuerySyntaxError(ValueError):
    pass


def _looks_like_image(token: str) -> bool:
    return is_supported(token) and Path(token).expanduser().is_file()


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


def parse_query(query: str) -> list[QueryTerm]:
    query = query.strip()
    if not query:
        raise QuerySyntaxError("empty query")
    try:
        parsed = [(op, *_unquote(seg)) for op, seg in _segments(query)]
    except QuerySyntaxError:
        if '"' in query:
            raise
        parsed = []
    structured = any(quoted or _looks_like_image(value) for _, _, value, quoted in parsed)
    if not structured:
        return [QueryTerm("text", query)]
    terms = []
    for op, weight, value, quoted in parsed:
        if not value:
            raise QuerySyntaxError("a term is empty")
        if weight == 0:
            continue
        kind = "image" if not quoted and _looks_like_image(value) else "text"
        terms.append(QueryTerm(kind, value, -weight if op == "-" else weight))
    if not terms:
        raise QuerySyntaxError("every term has weight 0")
    return terms
