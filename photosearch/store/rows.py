"""Module helpers shared by the Store's parts: paths as the database stores them, and rows turned into records.

A path goes in as the absolute path's OS bytes (`path_key`, schema v3) and comes out as a `str` (`path_from_key`);
`subtree_range` selects a folder's files on the unique path index. The column lists and the converters that read
them (`_file`, `_model`, `_root`) live together so a query and the record it builds cannot drift apart.
"""
from __future__ import annotations

import json
import os
import time
from typing import Any, Sequence

from photosearch.store.records import FileRecord, FileStatus, ModelRecord, Root

_FILE_COLS = (
    "f.id, f.path, f.root_id, f.size, f.mtime_ns, f.inode, f.device, f.content_id, c.quick_hash, "
    "f.status, f.error, f.retry_after, f.last_seen_scan"
)
_FILE_FROM = "files f LEFT JOIN contents c ON c.id = f.content_id"
_MODEL_COLS = "model_id, dim, spec, table_name, added_at, created_seq, change_seq"


def _now() -> int:
    return int(time.time())


def _abs(path: str | os.PathLike[str]) -> str:
    return os.path.abspath(os.fspath(path))


def path_key(path: str | os.PathLike[str]) -> bytes:
    """A path as the database stores it: the absolute path's OS bytes (see schema v3), lossless for any name."""
    return os.fsencode(_abs(path))


def path_from_key(value: bytes | str) -> str:
    """Back to a str path that the OS accepts (undecodable bytes become lone surrogates, as os.listdir does)."""
    return os.fsdecode(value) if isinstance(value, bytes) else value


def subtree_range(folder: str | os.PathLike[str]) -> tuple[bytes, bytes]:
    """(low, high) such that `low <= path < high` selects every path below `folder`: a range on the
    unique path index, so no LIKE (and no escaping of % or _ in folder names)."""
    sep = os.fsencode(os.sep)
    prefix = path_key(folder).rstrip(sep) + sep
    return prefix, prefix[:-1] + bytes([sep[0] + 1])


def _file(row: Sequence[Any]) -> FileRecord:
    return FileRecord(row[0], path_from_key(row[1]), *row[2:9], FileStatus(row[9]), *row[10:])


def _model(row: Sequence[Any]) -> ModelRecord:
    return ModelRecord(*row)


def _root(row: Sequence[Any]) -> Root:
    return Root(row[0], path_from_key(row[1]), tuple(json.loads(row[2])), row[3], row[4])
