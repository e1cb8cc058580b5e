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

The driver's exception classes are not `sqlite3`'s: catch `database_error()` (or `driver().Error`).
"""
from __future__ import annotations

import functools
import importlib
import os
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Sequence

import sqlite_vec

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


def database_error() -> type[Exception]:
    """The driver's `DatabaseError`, for `except` clauses (it is not `sqlite3.DatabaseError`)."""
    return driver().DatabaseError


def open_connection(path: str | os.PathLike[str], options: ConnectOptions = ConnectOptions()) -> Any:
    """Open `path` (created if absent, parent folders too) with sqlite-vec and the settings above.

    Returns a DB-API connection of the chosen driver in autocommit mode. `":memory:"` works too
    (it cannot use WAL; fine for throwaway use, not for sharing).
    """
    mod = driver()
    target = str(path)
    if target != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    conn = mod.connect(
        target,
        timeout=options.busy_timeout_s,
        isolation_level=None,
        check_same_thread=False,  # a Store may be handed to a worker thread; use it from one at a time
    )
    try:
        _load_vec(conn)
        conn.execute(f"PRAGMA busy_timeout = {int(options.busy_timeout_s * 1000)}")
        if target != ":memory:":
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise mod.OperationalError(f"could not switch {target} to WAL (journal_mode={mode})")
        conn.execute(f"PRAGMA synchronous = {options.synchronous}")
        conn.execute(f"PRAGMA cache_size = {-int(options.cache_mib) * 1024}")  # negative = KiB
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA temp_store = MEMORY")
    except BaseException:
        conn.close()
        raise
    return conn


def _load_vec(conn: Any) -> None:
    conn.enable_load_extension(True)
    try:
        sqlite_vec.load(conn)
    finally:
        conn.enable_load_extension(False)
