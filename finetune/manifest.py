"""Manifests: an album's captions listed in one CSV, TSV or JSONL file instead of next to each photo.

Each row names a photo (``path``) and its ``caption``, optionally its ``short_caption``, ``lang`` and
``split``. A manifest is the way to give a photo several captions, a language, or a fixed split, which no
sidecar or metadata field can. Like a sidecar it exists only to hold captions, so a manifest that cannot be
read, decoded or parsed raises `AlbumError` naming the line to fix.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

from finetune.captions import Split
from finetune.user_files import decode_text, read_bytes, show_path
from photosearch.errors import AlbumError

__all__ = ["ManifestEntry", "read_manifest"]


@dataclass(frozen=True)
class ManifestEntry:
    """One row of a manifest. `path` is resolved (relative paths against the manifest's folder)."""

    path: Path
    caption: str
    short_caption: str | None
    lang: str | None
    split: Split | None
    line: int


_MANIFEST_KINDS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def read_manifest(path: str | os.PathLike[str]) -> list[ManifestEntry]:
    """Parse a CSV (header row), TSV or JSONL manifest with ``path`` and ``caption`` (required),
    ``short_caption``, ``lang`` and ``split`` (``train``/``val``; optional, empty means not given).

    Relative paths are resolved against the manifest's folder, so an album and its manifest can move
    together. A path may appear more than once (several captions of one photo). Whether the photos exist is
    the album's business (it can skip missing ones); this only checks the manifest itself.
    """
    m = Path(path)
    kind = _MANIFEST_KINDS.get(m.suffix.lower())
    if kind is None:
        raise AlbumError(f"The manifest {show_path(m)} is neither .csv, .tsv nor .jsonl: rename it to say which it is.")
    text = decode_text(read_bytes(m), m)
    rows = _jsonl_rows(text, m) if kind == "jsonl" else _csv_rows(text, m, "\t" if kind == "tsv" else ",")
    base = m.parent
    out: list[ManifestEntry] = []
    for line, row in rows:
        raw_path = _field(row, "path", m, line)
        if not raw_path:
            raise AlbumError(
                f"The manifest {show_path(m)} has an empty path on line {line}: fill it in or remove the line."
            )
        caption = " ".join(_field(row, "caption", m, line).split())
        short = " ".join(str(row.get("short_caption") or "").split()) or None
        lang = str(row.get("lang") or "").strip().lower() or None
        split_text = str(row.get("split") or "").strip().lower()
        split: Split | None = None
        if split_text:
            try:
                split = Split(split_text)
            except ValueError:
                raise AlbumError(
                    f"The manifest {show_path(m)} has split {split_text!r} on line {line}: "
                    "use 'train', 'val' or leave it empty."
                ) from None
        p = Path(os.path.expanduser(raw_path))
        out.append(ManifestEntry(p if p.is_absolute() else base / p, caption, short, lang, split, line))
    if not out:
        raise AlbumError(
            f"The manifest {show_path(m)} lists no photos: add one line per photo with its path and caption."
        )
    return out


def _field(row: dict[str, object], key: str, m: Path, line: int) -> str:
    if key not in row:
        raise AlbumError(
            f"The manifest {show_path(m)} has no {key!r} on line {line}: every entry needs 'path' and 'caption'."
        )
    value = row[key]
    if value is None:
        return ""
    if not isinstance(value, (str, int, float)):
        raise AlbumError(f"The manifest {show_path(m)} has a non-text {key!r} on line {line}: write it as a string.")
    return str(value).strip()


def _jsonl_rows(text: str, m: Path) -> list[tuple[int, dict[str, object]]]:
    rows = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise AlbumError(
                f"The manifest {show_path(m)} has invalid JSON on line {n} ({e.msg}): fix that line."
            ) from e
        if not isinstance(obj, dict):
            raise AlbumError(f"The manifest {show_path(m)} line {n} is not a JSON object: write one {{...}} per line.")
        rows.append((n, obj))
    return rows


def _csv_rows(text: str, m: Path, delimiter: str) -> list[tuple[int, dict[str, object]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [k for k in ("path", "caption") if k not in header]
    if missing:
        raise AlbumError(
            f"The manifest {show_path(m)} has no {' or '.join(repr(k) for k in missing)} column: "
            "its first row must name the columns (path, caption, optionally short_caption, lang, split)."
        )
    reader.fieldnames = header
    rows = []
    for row in reader:
        if not any((v or "").strip() for k, v in row.items() if k is not None and isinstance(v, str)):
            continue
        rows.append((reader.line_num, {k: v for k, v in row.items() if k is not None}))
    return rows
