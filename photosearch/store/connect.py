"""Open SQLite connections that have sqlite-vec loaded and are safe to share a file across processes.

Why a factory: many Python builds (this project's reference machine included: CPython 3.11 with
SQLite 3.40) ship an `sqlite3` module compiled without extension loading, so sqlite-vec cannot be
loaded into it. We then fall back to a drop-in DB-API module that can (sqlean.py, or pysqlite3 where
installed). The choice is made once per process, on first connect, by actually loading sqlite-vec.

Every connection gets the same settings, because the indexer, the UI and the CLI open one file at
the same time:

* WAL journal: readers never block on (or are blocked by) the writer, so a search never sees
  "database is locked" while the indexer commits a batch.
* a busy timeout (30 s): writers queue behind each other instead of failing.
* `cache_size` of 64 MiB: vec0 rewrites whole vector chunks per insert; with the 2 MiB default,
  inserting 100k 1280-d vectors took 42 s, with 64 MiB 6 s.
* autocommit mode (`isolation_level=None`): the store issues `BEGIN IMMEDIATE` itself, so a write
  transaction never starts as a read and fails to upgrade (`SQLITE_BUSY_SNAPSHOT`).

A library on a backup disk, a read-only share or in a folder the user may not write opens read-only
(`Connection.read_only`): SQLite's `mode=ro`, no journal-mode change, `query_only` on. WAL needs its `-shm`
index beside the file; where neither it nor the folder can be written (a read-only mount: every connection
failed with "unable to open database file" before), the file opens `immutable=1`, which reads the last
checkpointed state: a closed library has no WAL left, so that is all of it.

The driver's exception classes never escape: `open_connection` returns a `Connection` that turns the
failures a user can cause (a folder that cannot be written, a full disk, a file that is not a database, a
lock held too long) into `photosearch.errors.LibraryError` subclasses whose message names the file. Errors
that can only come from our own SQL (syntax, constraints) stay the driver's, because they are bugs.
"""
from __future__ import annotations

import functools
import importlib
import os
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Iterator, Sequence

import sqlite_vec

from photosearch.errors import (
    LibraryBusy,
    LibraryCorrupt,
    LibraryError,
    LibraryFull,
    LibraryReadOnly,
    LibraryUnavailable,
)

# Tried in order; the first that can load sqlite-vec wins.
DRIVER_CANDIDATES: tuple[str, ...] = ("sqlite3", "sqlean", "pysqlite3.dbapi2")


class NoCapableDriverError(RuntimeError):
    """No installed SQLite binding can load extensions; the message says what to install."""


@dataclass(frozen=True)
class ConnectOptions:
    """Per-connection settings; the defaults are what the app uses."""

    busy_timeout_s: float = 30.0
    cache_mib: int = 64
    synchronous: str = "NORMAL"  # safe with WAL: a power cut may lose the last commits, never corrupt


def can_load_extensions(module: ModuleType) -> bool:
    """True if `module` can load sqlite-vec into a fresh in-memory connection."""
    if not hasattr(getattr(module, "Connection", None), "enable_load_extension"):
        return False
    try:
        conn = module.connect(":memory:")
        try:
            _load_vec(conn)
        finally:
            conn.close()
    except Exception:  # noqa: BLE001 - any failure means "not this one"
        return False
    return True


def pick_driver(candidates: Sequence[str] = DRIVER_CANDIDATES) -> ModuleType:
    """Import the first of `candidates` that can load sqlite-vec."""
    tried: list[str] = []
    for name in candidates:
        try:
            module = importlib.import_module(name)
        except ImportError:
            tried.append(f"{name} (not installed)")
            continue
        if can_load_extensions(module):
            return module
        tried.append(f"{name} (cannot load extensions)")
    raise NoCapableDriverError(
        "no SQLite binding here can load sqlite-vec; tried " + ", ".join(tried)
        + ". Install one: pip install sqlean.py"
    )


@functools.cache
def driver() -> ModuleType:
    """The DB-API module this process uses (chosen once, on first use)."""
    return pick_driver()


def driver_name() -> str:
    """'sqlite3', 'sqlean' or 'pysqlite3' - for logs and `--version` output."""
    return driver().__name__.split(".")[0]


def open_connection(
    path: str | os.PathLike[str], options: ConnectOptions = ConnectOptions(), read_only: bool | None = None,
) -> "Connection":
    """Open `path` (created if absent, parent folders too) with sqlite-vec and the settings above.

    Returns a `Connection` in autocommit mode. `":memory:"` works too (it cannot use WAL; fine for
    throwaway use, not for sharing). Raises `LibraryError` subclasses for files that cannot be used.
    `read_only=None` opens an existing file read-only when it or its folder cannot be written (or when
    SQLite says so while opening it); True forces that, False never does it.
    """
    target = str(path)
    detect = read_only is None
    if read_only is None:
        read_only = target != ":memory:" and not _writable(target)
    try:
        try:
            if read_only:
                return Connection(_open_read_only(target, options), target, read_only=True)
            return Connection(_open_raw(target, options), target)
        except driver().Error as e:
            raise translate_error(e, target) from e
    except LibraryReadOnly:
        if not detect or read_only or not os.path.isfile(target):
            raise
        return open_connection(target, options, read_only=True)  # os.access said yes, the disk said no
    except OSError as e:
        raise LibraryUnavailable(f"cannot create the library {target}: {e.strerror or e}") from e


def _writable(target: str) -> bool:
    """False for an existing library that this process may not write, or whose folder it may not write (WAL
    creates `-wal` and `-shm` files there). A file that does not exist yet is "writable": creating it says."""
    if not os.path.isfile(target):
        return True
    folder = os.path.dirname(os.path.abspath(target))
    return os.access(target, os.W_OK) and os.access(folder, os.W_OK | os.X_OK)


def _open_raw(target: str, options: ConnectOptions) -> Any:
    if target != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    conn = _connect(target, options)
    try:
        _setup(conn, options)
        if target != ":memory:":
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise LibraryUnavailable(f"could not switch {target} to WAL (journal_mode={mode})")
        conn.execute(f"PRAGMA synchronous = {options.synchronous}")
        conn.execute(f"PRAGMA cache_size = {-int(options.cache_mib) * 1024}")  # negative = KiB
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA temp_store = MEMORY")
    except BaseException:
        conn.close()
        raise
    return conn


def _open_read_only(target: str, options: ConnectOptions) -> Any:
    """`mode=ro` (which reads a WAL through an existing `-shm`, or one it may create), else `immutable=1`."""
    uri = Path(target).absolute().as_uri() + "?mode=ro"
    for attempt in (uri, uri + "&immutable=1"):
        conn = _connect(attempt, options, uri=True)
        try:
            _setup(conn, options)
            conn.execute(f"PRAGMA cache_size = {-int(options.cache_mib) * 1024}")
            conn.execute("PRAGMA temp_store = MEMORY")
            conn.execute("PRAGMA query_only = 1")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # opening the WAL happens here
        except driver().Error as e:
            conn.close()
            if _primary(e) in (_CANTOPEN, _READONLY) and attempt == uri:
                continue  # no -shm and no way to create one (a read-only mount: CANTOPEN; a folder: READONLY_CANTINIT)
            raise
        except BaseException:
            conn.close()
            raise
        return conn
    raise AssertionError("unreachable")


def _connect(target: str, options: ConnectOptions, uri: bool = False) -> Any:
    return driver().connect(
        target,
        timeout=options.busy_timeout_s,
        isolation_level=None,
        check_same_thread=False,  # a Store may be handed to a worker thread; use it from one at a time
        uri=uri,
    )


def _setup(conn: Any, options: ConnectOptions) -> None:
    _load_vec(conn)
    conn.execute(f"PRAGMA busy_timeout = {int(options.busy_timeout_s * 1000)}")


def _load_vec(conn: Any) -> None:
    conn.enable_load_extension(True)
    try:
        sqlite_vec.load(conn)
    finally:
        conn.enable_load_extension(False)


# -- errors ------------------------------------------------------------------------------------------------
# Primary SQLite result codes (https://sqlite.org/rescode.html); extended codes carry them in the low byte.
_PERM, _BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 3, 5, 6, 8, 10, 11, 13, 14, 26


def translate_error(exc: BaseException, path: str) -> BaseException:
    """A driver exception -> the `LibraryError` a user can act on, or `exc` itself when it is a bug of ours."""
    primary = _primary(exc)
    text = str(exc)
    if primary == _CANTOPEN or primary == _PERM:
        return LibraryUnavailable(f"cannot open the library {path}: {text} (does the folder exist, may you write to it?)")
    if primary == _READONLY:
        return LibraryReadOnly(f"the library {path} is read-only here ({text})")
    if primary == _FULL:
        return LibraryFull(f"no room left to write the library {path}: {text} (free some disk space)")
    if primary in (_BUSY, _LOCKED):
        return LibraryBusy(f"the library {path} stayed locked by another program: {text}; try again")
    if primary in (_CORRUPT, _NOTADB):
        return LibraryCorrupt(f"{path} is damaged or not a PhotoSearch library: {text}")
    if primary == _IOERR:
        # EFBIG (a file-size limit) and a vanished disk land here; ENOSPC is SQLITE_FULL above
        return LibraryError(f"cannot read or write the library {path}: {text} (is its disk full, over a file-size "
                            "limit, or gone?)")
    return exc


def _primary(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


class _Cursor:
    """The driver's cursor, with fetch errors translated like the connection's."""

    __slots__ = ("_raw", "_path")

    def __init__(self, raw: Any, path: str) -> None:
        self._raw, self._path = raw, path

    def _call(self, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except driver().Error as e:
            raise translate_error(e, self._path) from e

    def fetchone(self) -> Any:
        return self._call(self._raw.fetchone)

    def fetchall(self) -> list[Any]:
        return self._call(self._raw.fetchall)

    def __iter__(self) -> Iterator[Any]:
        rows = iter(self._raw)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except driver().Error as e:
                raise translate_error(e, self._path) from e
            yield row

    @property
    def lastrowid(self) -> int | None:
        return self._raw.lastrowid

    @property
    def rowcount(self) -> int:
        return self._raw.rowcount


class Connection:
    """A DB-API connection of the chosen driver whose user-caused failures are `LibraryError`s."""

    def __init__(self, raw: Any, path: str, read_only: bool = False) -> None:
        self._raw = raw
        self.path = path
        self.read_only = read_only  # opened read-only: every write raises LibraryReadOnly

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Cursor:
        try:
            return _Cursor(self._raw.execute(sql, params), self.path)
        except driver().Error as e:
            raise translate_error(e, self.path) from e

    def executemany(self, sql: str, rows: Any) -> _Cursor:
        try:
            return _Cursor(self._raw.executemany(sql, rows), self.path)
        except driver().Error as e:
            raise translate_error(e, self.path) from e

    @property
    def in_transaction(self) -> bool:
        return bool(self._raw.in_transaction)

    def close(self) -> None:
        self._raw.close()
