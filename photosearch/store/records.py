"""Plain records the store hands out, and the conventions their fields follow.

Kept apart from the SQL so the indexer, the search module and the UI can import the types without
pulling in a database connection.

Conventions
-----------
* A **key** is an `int`: the id of a distinct file *content* (`contents.id`), one per `quick_hash`
  (see `photosearch.hashing.quick_hash`). Embeddings are stored per key, so two copies of a photo,
  or a photo that was moved or renamed, share one key and are never embedded twice. Keys are ints,
  not the hash strings, because the hot search path maps thousands of candidate keys to matrix rows
  per query and an int array lookup does that in microseconds where a dict of strings takes ms.
  Keys are stable for the life of a database file (content rows are never deleted).
* Times the store writes itself (`added_at`, `last_scan_ok`, `retry_after`) are unix seconds (UTC).
* `PhotoMeta.taken_at` is *wall-clock* seconds: the capture date and time as the camera's clock
  showed it, encoded as if it were UTC (`calendar.timegm`). EXIF `DateTimeOriginal` carries no time
  zone, and a user asking for "July 2019, 6 pm" means the clock on the photo, so filters must not
  shift with the time zone of the machine running the search. Use `wall_clock_seconds` /
  `wall_clock_datetime` to convert; for the mtime fallback pass the *local* datetime of the mtime.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

_EPOCH = datetime(1970, 1, 1)


class FileStatus(str, Enum):
    """Where a file is in the indexing pipeline (`files.status`)."""

    PENDING = "pending"  # new or changed: needs metadata and (possibly) an embedding
    INDEXED = "indexed"  # metadata stored and embedded with the model that indexed it
    ERROR = "error"  # last attempt failed; `error` says why, retry after `retry_after`
    MISSING = "missing"  # not seen by the last complete scan of its root


@dataclass(frozen=True)
class Root:
    """A folder the user asked to index."""

    id: int
    path: str
    excluded: tuple[str, ...]  # absolute paths of subfolders to skip
    added_at: int
    last_scan_ok: int | None  # when the last scan that completed without error finished


@dataclass(frozen=True)
class FileRecord:
    """One path on disk. Several files may share a `key` (identical content)."""

    id: int
    path: str
    root_id: int
    size: int
    mtime_ns: int
    inode: int | None
    device: int | None
    key: int | None  # content id; None until the file's quick_hash is known
    quick_hash: str | None
    status: FileStatus
    error: str | None
    retry_after: int | None
    last_seen_scan: int | None


@dataclass(frozen=True)
class PhotoMeta:
    """What the indexer reads from a photo's header; every field but `file_type` may be unknown."""

    file_type: str  # lower-case extension without the dot: "jpg", "heic", "png"
    width: int | None = None
    height: int | None = None
    orientation: int | None = None  # EXIF orientation 1..8
    taken_at: int | None = None  # wall-clock seconds, see module docstring
    taken_at_source: str | None = None  # "exif" or "mtime"
    camera_make: str | None = None
    camera_model: str | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None


@dataclass(frozen=True)
class ModelRecord:
    """An embedding model the library has (or is being) embedded with."""

    model_id: str
    dim: int
    spec: str  # caller-defined description, usually JSON; the store does not parse it
    table_name: str  # the vec0 table holding this model's vectors
    added_at: int
    created_seq: int  # seq of the registration: differs if the model was removed and registered again
    change_seq: int  # seq of the last vector write or delete; readers refresh from it


@dataclass(frozen=True)
class EmbedJob:
    """A content that lacks an embedding for some model, with one file to read it from."""

    key: int
    file_id: int
    path: str


@dataclass(frozen=True)
class StatusCounts:
    """How many files are in each status, and how many keys of files on disk (not missing) each model has embedded."""

    by_status: dict[FileStatus, int] = field(default_factory=dict)
    embedded_by_model: dict[str, int] = field(default_factory=dict)

    @property
    def total_files(self) -> int:
        return sum(self.by_status.values())


def wall_clock_seconds(dt: datetime) -> int:
    """Encode a naive (or aware: its own clock reading is kept) datetime as `taken_at`."""
    return calendar.timegm(dt.replace(tzinfo=None).timetuple())


def wall_clock_datetime(seconds: int) -> datetime:
    """Decode `taken_at` into the naive datetime the camera's clock showed."""
    return _EPOCH + timedelta(seconds=seconds)
