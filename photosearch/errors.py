"""The one error hierarchy for everything a user can cause.

Every exception a user can trigger (a bad argument, a photo that cannot be read, a model that cannot be used,
a library file that cannot be opened) derives from `PhotoSearchError`, and its `str()` is one line that says
what went wrong and, where there is one, what to do. Front ends catch `PhotoSearchError` and show that line
(the CLI prints it and exits 2, the app shows it in a dialog); anything else is a bug and gets a traceback in
the log file. Low-level libraries' exceptions (SQLite drivers, torch's unpickler, huggingface_hub) are
translated at the boundary where they enter, never passed through.

`InvalidInput` and `ModelError` also derive from `ValueError` so code that validated arguments with
`ValueError` before keeps working.
"""
from __future__ import annotations


class PhotoSearchError(Exception):
    """Something the user can fix or needs to know; the message is one line meant for them."""


class InvalidInput(PhotoSearchError, ValueError):
    """A bad argument: an option out of range, a date in the wrong form, a path that is not what it should be."""


class QuerySyntaxError(InvalidInput):
    """A search query whose mix syntax (`"2:text" + ./photo.jpg - "people"`) does not parse."""


class NothingIndexed(PhotoSearchError):
    """The library has no folders, or no photo is indexed yet: there is nothing to search."""


class ModelError(PhotoSearchError, ValueError):
    """A model spec that cannot be used: unknown, unreadable, the wrong layout, or a mismatched pair."""


class ModelUnusable(ModelError):
    """A model that loads but gives vectors no search can use (NaN, infinite or all zero): damaged weights, or a
    file that is not what its spec says. Found by the probe each tower runs once when it loads."""


class DownloadError(ModelError):
    """A model's files could not be fetched."""


class ModelNotAvailable(DownloadError):
    """The model is not (fully) in the local cache and the Hub cannot provide it right now."""

    def __init__(self, message: str, *, repo_id: str = "", revision: str = "", missing: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.repo_id = repo_id
        self.revision = revision
        self.missing = missing


class HubUnreachable(ModelNotAvailable):
    """No network (or offline mode): the files may well exist, they just cannot be fetched now."""


class NotOnHub(ModelNotAvailable):
    """The Hub answered, and the repository or revision does not hold the files asked for."""


class Cancelled(PhotoSearchError):
    """The user cancelled; finished work is kept."""


class DownloadCancelled(Cancelled, DownloadError):
    """A download was cancelled; finished files stay cached, the partial one is deleted."""


class OcrUnavailable(PhotoSearchError):
    """Text recognition cannot run here: the `rapidocr` package or one of its bundled models is missing."""


class LibraryError(PhotoSearchError):
    """The library database cannot be opened, read or written."""


class LibraryUnavailable(LibraryError):
    """The file cannot be opened or created (missing folder, no permission, not a database)."""


class LibraryReadOnly(LibraryError):
    """The library is on a read-only disk or folder, or the file is read-only, and a write was needed."""


class LibraryFull(LibraryError):
    """The disk (or the file size limit) is full."""


class LibraryBusy(LibraryError):
    """Another program held the library's write lock for longer than the busy timeout."""


class LibraryCorrupt(LibraryError):
    """The file is damaged or is not a PhotoSearch library."""


class LibraryTooNew(LibraryError):
    """The file was written by a newer PhotoSearch; it is left untouched."""


class AlbumError(InvalidInput):
    """A fine-tuning album that cannot be used as it is: uncaptioned or unreadable photos, too few, a bad manifest."""
