"""The records API over the database file: `Store`, its connection and transactions, and the roots and scans.

`Store` is one class whose methods are grouped by job in mixins: files and photo metadata in `files_api.py`,
models, embeddings and vector indexes in `models_api.py`, the words inside photos and settings in `text_api.py`;
path keys and row converters in `rows.py`, and what the mixins rely on (`_conn`, `_q`, `write_batch`...) in
`base.py`. Open, close, `write_batch`, `_q`/`_one`, roots and scans are here.

One `Store` wraps one connection. Several processes (indexer, UI, CLI) each open their own `Store`
on the same file; WAL lets them read while one of them writes. Every write method runs in a
`BEGIN IMMEDIATE` transaction of its own, unless called inside `with store.write_batch():`, where
all writes share one transaction and one commit - the indexer wraps each batch of photos (metadata,
statuses, embeddings) that way, so other processes see a batch entirely or not at all.

Keys, time conventions and `taken_at` are documented in `records.py`; the schema in `schema.py`.
A `Store` is not thread-safe: use it (and its `VectorIndex`es) from one thread at a time.
"""
from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from photosearch.store.connect import ConnectOptions, open_connection
from photosearch.store.files_api import FilesMixin
from photosearch.store.models_api import ModelsMixin
from photosearch.store.paths import default_db_path
from photosearch.store.ram_index import VectorIndex
from photosearch.store.records import Root
from photosearch.store.rows import _abs, _now, _root, path_key
from photosearch.store.schema import migrate, require_current
from photosearch.store.text_api import TextMixin


def _excluded_json(excluded: Iterable[str | os.PathLike[str]]) -> str:
    """JSON escapes lone surrogates (\\udcXX), so undecodable folder names survive the round trip."""
    return json.dumps(sorted({_abs(e) for e in excluded}))


class Store(FilesMixin, ModelsMixin, TextMixin):
    """The library database. Open with `Store.open(path)`; close with `close()` or a `with` block."""

    def __init__(self, conn: Any, path: str) -> None:
        self._conn = conn
        self.path = path
        self._tx_depth = 0
        self._indexes: dict[str, VectorIndex] = {}

    @classmethod
    def open(
        cls, path: str | os.PathLike[str] | None = None, options: ConnectOptions = ConnectOptions(),
        read_only: bool | None = None,
    ) -> "Store":
        """Open (creating and migrating as needed) the database at `path`, default `default_db_path()`.

        A library that cannot be written here (a read-only disk, folder or file; `read_only=None` detects it)
        opens read-only: reads work, writes raise `LibraryReadOnly`, and it is never migrated.
        """
        target = str(default_db_path() if path is None else Path(path).expanduser())
        conn = open_connection(target, options, read_only)
        try:
            if conn.read_only:
                require_current(conn)
            else:
                migrate(conn)
        except BaseException:
            conn.close()
            raise
        return cls(conn, target)

    @property
    def read_only(self) -> bool:
        """Opened read-only: searches and status work, nothing is written (see `connect.py`)."""
        return bool(getattr(self._conn, "read_only", False))

    @property
    def conn(self) -> Any:
        """The raw connection, for read-only SQL such as search pre-filters (see schema.py)."""
        return self._conn

    def close(self) -> None:
        self._indexes.clear()
        self._conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def write_batch(self) -> Iterator["Store"]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT) around everything in the block.

        Waits up to the busy timeout for another process's write to finish. Rolls back if the block
        raises. Nested use joins the outer transaction.
        """
        if self._tx_depth:
            self._tx_depth += 1
            try:
                yield self
            finally:
                self._tx_depth -= 1
            return
        self._conn.execute("BEGIN IMMEDIATE")
        self._tx_depth = 1
        try:
            yield self
            self._conn.execute("COMMIT")
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise
        finally:
            self._tx_depth = 0

    def _q(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return self._conn.execute(sql, params).fetchall()

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._conn.execute(sql, params).fetchone()

    # -- roots and scans ------------------------------------------------------------------------

    def add_root(self, path: str | os.PathLike[str], excluded: Iterable[str | os.PathLike[str]] = ()) -> Root:
        """Add a folder to index (absolute path); adding it again returns the existing root."""
        p = path_key(path)
        with self.write_batch():
            self._conn.execute(
                "INSERT INTO roots(path, excluded, added_at) VALUES (?, ?, ?) ON CONFLICT(path) DO NOTHING",
                (p, _excluded_json(excluded), _now()),
            )
            return _root(self._one("SELECT id, path, excluded, added_at, last_scan_ok FROM roots WHERE path = ?", (p,)))

    def root_by_path(self, path: str | os.PathLike[str]) -> Root | None:
        row = self._one("SELECT id, path, excluded, added_at, last_scan_ok FROM roots WHERE path = ?", (path_key(path),))
        return _root(row) if row else None

    def set_root_excluded(self, root_id: int, excluded: Iterable[str | os.PathLike[str]]) -> Root:
        """Replace a root's excluded subfolders; files under them go missing on the next scan."""
        with self.write_batch():
            self._conn.execute(
                "UPDATE roots SET excluded = ? WHERE id = ?", (_excluded_json(excluded), root_id)
            )
            root = self.root(root_id)
        if root is None:
            raise KeyError(f"no root with id {root_id}")
        return root

    def root(self, root_id: int) -> Root | None:
        row = self._one("SELECT id, path, excluded, added_at, last_scan_ok FROM roots WHERE id = ?", (root_id,))
        return _root(row) if row else None

    def roots(self) -> list[Root]:
        return [_root(r) for r in self._q("SELECT id, path, excluded, added_at, last_scan_ok FROM roots ORDER BY path")]

    def remove_root(self, root_id: int) -> int:
        """Forget a root, its files and their metadata; embeddings no file on disk has are pruned at once.

        Returns the number of files removed.
        """
        with self.write_batch():
            n = self._one("SELECT count(*) FROM files WHERE root_id = ?", (root_id,))[0]
            self._conn.execute("DELETE FROM roots WHERE id = ?", (root_id,))
            self.prune_orphans()
        return int(n)

    def begin_scan(self, root_id: int) -> int:
        """Start a mark-and-sweep scan of a root; pass the returned scan id to `upsert_file`/`mark_seen`."""
        with self.write_batch():
            cur = self._conn.execute("INSERT INTO scans(root_id, started_at) VALUES (?, ?)", (root_id, _now()))
            return int(cur.lastrowid)

    def finish_scan(self, scan_id: int, ok: bool) -> int:
        """End a scan. Only a complete scan (`ok`) sweeps: its root's files it did not see become missing.

        A failed or cancelled scan must not sweep, or an unplugged drive would "lose" every photo.
        Returns how many files were marked missing.
        """
        with self.write_batch():
            row = self._one("SELECT root_id FROM scans WHERE id = ?", (scan_id,))
            if row is None:
                raise KeyError(f"no scan with id {scan_id}")
            now = _now()
            self._conn.execute("UPDATE scans SET finished_at = ?, ok = ? WHERE id = ?", (now, int(ok), scan_id))
            if not ok:
                return 0
            cur = self._conn.execute(
                "UPDATE files SET status = 'missing' WHERE root_id = ? AND status != 'missing' "
                "AND (last_seen_scan IS NULL OR last_seen_scan < ?)",
                (row[0], scan_id),
            )
            self._conn.execute("UPDATE roots SET last_scan_ok = ? WHERE id = ?", (now, row[0]))
            return int(cur.rowcount)
