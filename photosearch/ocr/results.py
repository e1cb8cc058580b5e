"""What recognition hands back, and how it is stored (JSON lines with boxes and confidence)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum

Point = tuple[float, float]


class TextStatus(str, Enum):
    """`text_results.status`: what reading a photo gave."""

    TEXT = "text"  # at least one line was read
    NONE = "none"  # no text (the quick look found none, or the full pass read nothing)
    FAILED = "failed"  # the photo could not be read or the engine failed; `error` says why


@dataclass(frozen=True)
class TextLine:
    """One recognised line. `box` is 4 corner points (clockwise from the text's top-left) in the photo's
    displayed pixels: full resolution, EXIF orientation applied, as the app shows the photo."""

    text: str
    confidence: float
    box: tuple[Point, Point, Point, Point]

    def to_json(self) -> list:
        return [self.text, round(self.confidence, 4), [[round(x, 1), round(y, 1)] for x, y in self.box]]

    @classmethod
    def from_json(cls, row: list) -> "TextLine":
        text, conf, box = row
        return cls(str(text), float(conf), tuple((float(x), float(y)) for x, y in box))  # type: ignore[arg-type]


@dataclass(frozen=True)
class TextResult:
    status: TextStatus
    lines: tuple[TextLine, ...] = ()
    engine: str = ""  # `engine_version()` of what read it: another version reads the photo again
    error: str | None = None

    @property
    def text(self) -> str:
        """All lines, one per line of text, in reading order (top to bottom)."""
        return "\n".join(line.text for line in self.lines)


def lines_to_json(lines: tuple[TextLine, ...] | list[TextLine]) -> str:
    return json.dumps([line.to_json() for line in lines], ensure_ascii=False, separators=(",", ":"))


def lines_from_json(data: str | None) -> tuple[TextLine, ...]:
    return tuple(TextLine.from_json(row) for row in json.loads(data or "[]"))
