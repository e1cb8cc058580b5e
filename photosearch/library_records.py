"""What the Library service hands its front ends: folders, models, status, photo details, duplicates.

Frozen dataclasses with no behaviour, kept apart from `photosearch.library` so the service stays one job; import
them from `photosearch.library`, which re-exports every one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from photosearch.lease import LeaseHolder
from photosearch.store import FileStatus

if TYPE_CHECKING:
    from photosearch.store.records import FileRecord


@dataclass(frozen=True)
class Folder:
    """A folder of the library, with its exclusions and how many of its files are in each state."""

    path: str
    excluded: tuple[str, ...]
    files: dict[FileStatus, int]
    last_scan_ok: int | None  # unix time of the last complete scan, None if never


@dataclass(frozen=True)
class FolderChange:
    """What `add_folder` did: `created` is False when the folder was in the library already."""

    folder: Folder
    created: bool
    excluded_added: tuple[str, ...]
    excluded_removed: tuple[str, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class ModelState:
    model_id: str
    spec: str
    dim: int
    embedded: int  # distinct photos (contents) on disk with a vector; copies share one, missing files don't count
    complete: bool  # every indexed photo has a vector of this model


@dataclass(frozen=True)
class RemovedModel:
    """What `remove_model` dropped: the model and how many vectors (distinct photos) it held."""

    model_id: str
    spec: str
    vectors: int
    others_left: int  # models that still hold vectors


@dataclass(frozen=True)
class FileError:
    path: str
    reason: str


@dataclass(frozen=True)
class TextState:
    """The indexer's second stage: `read` of `total` indexed photos read by the current OCR engine."""

    enabled: bool  # the library setting (`Library.set_reads_text`); `index --no-text` skips one run only
    read: int
    total: int
    with_text: int
    failed: int
    engine: str | None  # None: text recognition is not installed here (`unavailable` says why)
    unavailable: str | None = None


@dataclass(frozen=True)
class LibraryStatus:
    db: str
    folders: list[Folder]
    files: dict[FileStatus, int]
    models: list[ModelState]
    errors: list[FileError]
    error_count: int
    search_model: str | None  # the spec searches use without an explicit model
    indexing: LeaseHolder | None  # the program indexing the library right now, if any
    read_only: bool = False  # cannot be written here: searchable, not indexable
    text: TextState | None = None  # words inside photos


@dataclass(frozen=True)
class PhotoDetails:
    """What the detail view shows; `taken_at` is the camera's clock."""

    path: str
    size: int
    status: FileStatus
    file_type: str | None
    width: int | None
    height: int | None
    taken_at: datetime | None
    taken_at_source: str | None  # "exif" or "mtime"
    camera: str | None
    gps: tuple[float, float] | None


@dataclass(frozen=True)
class DuplicateReport:
    model_id: str
    groups: list[list["FileRecord"]]
