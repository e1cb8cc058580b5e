"""The database schema as an ordered list of migrations, tracked in `PRAGMA user_version`.

Why migrations and not "CREATE IF NOT EXISTS": users keep their index across app upgrades (it is
hours of GPU work), so every schema change ships as a function that upgrades an existing file in
place. `MIGRATIONS[i]` upgrades version `i` to `i + 1`; each runs in its own `BEGIN IMMEDIATE`
transaction together with the `user_version` bump, so a crash leaves the file at a whole version
and two processes opening an old file at once migrate it exactly once. Never edit a released
migration; append a new one.

Per-model vector tables (vec0) are not created here: they appear when a model is registered
(see `vectors.py`); a migration that must touch them can list them from `models.table_name`.

Schema (current version)
------------------------
roots(id, path UNIQUE, excluded JSON list of absolute subfolder paths, added_at, last_scan_ok)
                                                     -- v3: paths (roots and files) are BLOBs: the OS's bytes
contents(id = the "key", quick_hash UNIQUE,         -- one row per distinct file content, never deleted
         orphaned_at)                               -- v5: since when no file on disk has it (its vectors' grace)
files(id, path UNIQUE, root_id -> roots ON DELETE CASCADE, size, mtime_ns, inode, device,
      content_id -> contents (NULL until hashed), status pending|indexed|error|missing,
      error, retry_after, last_seen_scan -> scans.id: the newest scan begun when the file was last seen)
photos(file_id -> files ON DELETE CASCADE, file_type, width, height, orientation, taken_at
       (wall-clock unix seconds, see records.py), taken_at_source exif|mtime, camera_make,
       camera_model, gps_lat, gps_lon)
models(model_id, spec, dim, table_name UNIQUE (its vec0 table), added_at, created_seq, change_seq)
embeddings(model_id, content_id, seq, deleted)      -- which keys each model has; seq orders changes
vector_writes(seq AUTOINCREMENT, model_id, kind register|write|delete, rows, at)  -- source of seq values
scans(id, root_id, started_at, finished_at, ok)     -- v2: mark-and-sweep scan ids
query_vectors(model_id, text, vector, n_tokens, kept_tokens, truncated)  -- v4: text query vectors, newest kept
text_results(content_id, engine, status text|none|failed, lines JSON, error, read_at)  -- v6: words inside photos
text_words, text_trigrams: contentless FTS5 over text_results' lines, rowid = content_id (see text.py)
settings(key, value)                                -- v6: library settings every front end shares
<table_name> vec0(embedding float[dim] distance_metric=cosine), rowid = content_id   -- per model
"""
from __future__ import annotations

from typing import Any, Callable

from photosearch.errors import LibraryReadOnly, LibraryTooNew

Migration = Callable[[Any], None]


def _v1_core(conn: Any) -> None:
    """Roots, files, contents, photo metadata, models and the per-model embedding bookkeeping."""
    for sql in (
        """CREATE TABLE roots (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,
            excluded TEXT NOT NULL DEFAULT '[]',
            added_at INTEGER NOT NULL,
            last_scan_ok INTEGER
        )""",
        """CREATE TABLE contents (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            quick_hash TEXT NOT NULL UNIQUE
        )""",
        """CREATE TABLE files (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,
            root_id INTEGER NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            inode INTEGER,
            device INTEGER,
            content_id INTEGER REFERENCES contents(id),
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'indexed', 'error', 'missing')),
            error TEXT,
            retry_after INTEGER,
            last_seen_scan INTEGER
        )""",
        "CREATE INDEX files_root ON files(root_id, last_seen_scan)",
        "CREATE INDEX files_content ON files(content_id)",
        "CREATE INDEX files_status ON files(status)",
        """CREATE TABLE photos (
            file_id INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
            file_type TEXT NOT NULL,
            width INTEGER,
            height INTEGER,
            orientation INTEGER,
            taken_at INTEGER,
            camera_make TEXT,
            camera_model TEXT,
            gps_lat REAL,
            gps_lon REAL
        )""",
        """CREATE TABLE models (
            model_id TEXT PRIMARY KEY,
            spec TEXT NOT NULL,
            dim INTEGER NOT NULL CHECK (dim > 0),
            table_name TEXT NOT NULL UNIQUE,
            added_at INTEGER NOT NULL,
            created_seq INTEGER NOT NULL DEFAULT 0,
            change_seq INTEGER NOT NULL DEFAULT 0
        )""",
        """CREATE TABLE embeddings (
            model_id TEXT NOT NULL REFERENCES models(model_id) ON DELETE CASCADE,
            content_id INTEGER NOT NULL REFERENCES contents(id),
            seq INTEGER NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (model_id, content_id)
        ) WITHOUT ROWID""",
        "CREATE INDEX embeddings_seq ON embeddings(model_id, seq)",
        """CREATE TABLE vector_writes (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            model_id TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('register', 'write', 'delete')),
            rows INTEGER NOT NULL,
            at INTEGER NOT NULL
        )""",
    ):
        conn.execute(sql)


def _v2_scans_and_filters(conn: Any) -> None:
    """Scan ids for mark-and-sweep, where the EXIF date came from, and indexes for search filters."""
    for sql in (
        """CREATE TABLE scans (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            root_id INTEGER NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
            started_at INTEGER NOT NULL,
            finished_at INTEGER,
            ok INTEGER
        )""",
        "ALTER TABLE photos ADD COLUMN taken_at_source TEXT CHECK (taken_at_source IN ('exif', 'mtime'))",
        "UPDATE photos SET taken_at_source = 'exif' WHERE taken_at IS NOT NULL",
        "CREATE INDEX photos_taken_at ON photos(taken_at)",
        "CREATE INDEX files_retry ON files(status, retry_after)",
    ):
        conn.execute(sql)


def _v3_paths_as_bytes(conn: Any) -> None:
    """Paths become the exact bytes the OS gave (BLOBs), so names that are not UTF-8 round-trip.

    Old Samba shares, camera cards and zip archives hold file names in legacy encodings; Python hands them
    over with lone surrogates, which no SQLite driver will encode as TEXT, and one such file aborted whole
    runs. BLOBs compare with memcmp, as TEXT did under the default BINARY collation, so the subtree range
    queries on the unique path index keep working unchanged. The declared affinity stays TEXT (SQLite
    cannot retype a column in place) and never converts a BLOB; the Store writes only BLOBs.
    """
    conn.execute("UPDATE roots SET path = CAST(path AS BLOB) WHERE typeof(path) = 'text'")
    conn.execute("UPDATE files SET path = CAST(path AS BLOB) WHERE typeof(path) = 'text'")


def _v4_query_vectors(conn: Any) -> None:
    """Text query vectors persist, so a repeated query never loads a model.

    A CLI search is a whole process: importing torch and building the text tower took 6.2 s of a 6.2 s
    repeated query on the 2-core machine (issue 9), while reading one row and the RAM index takes
    milliseconds. Keyed by model id (a hash of the weights), so a changed model never reuses a vector.
    """
    conn.execute(
        """CREATE TABLE query_vectors (
            model_id TEXT NOT NULL REFERENCES models(model_id) ON DELETE CASCADE,
            text TEXT NOT NULL,
            vector BLOB NOT NULL,
            n_tokens INTEGER NOT NULL,
            kept_tokens INTEGER NOT NULL,
            truncated INTEGER NOT NULL,
            PRIMARY KEY (model_id, text)
        )"""
    )


def _v5_orphans_and_stale_metadata(conn: Any) -> None:
    """When a content lost its last file on disk, so its vectors can be pruned after a grace period; and no
    photo metadata on files that still have to be read.

    A photo edited four times kept five vectors and counted as five photos. `orphaned_at` starts NULL (the
    grace period of what is orphaned today starts at the first scan after the upgrade). Earlier versions kept
    a file's metadata across a content change and an error, and a corrupt file could then be `indexed` with
    another photo's date and camera; pending and failed files are read again anyway, so their metadata goes.
    """
    conn.execute("ALTER TABLE contents ADD COLUMN orphaned_at INTEGER")
    conn.execute("DELETE FROM photos WHERE file_id IN (SELECT id FROM files WHERE status IN ('pending', 'error'))")


def _v6_text_in_photos(conn: Any) -> None:
    """Words inside photos: recognised text per content, its two FTS5 indexes, and library settings (whether
    the indexer reads text is one, so the app's toggle holds for `photosearch watch` too). See text.py."""
    from photosearch.store.text import SCHEMA_SQL

    for sql in SCHEMA_SQL:
        conn.execute(sql)


MIGRATIONS: tuple[Migration, ...] = (
    _v1_core, _v2_scans_and_filters, _v3_paths_as_bytes, _v4_query_vectors, _v5_orphans_and_stale_metadata,
    _v6_text_in_photos,
)
SCHEMA_VERSION: int = len(MIGRATIONS)


class SchemaTooNewError(LibraryTooNew):
    """The file was written by a newer PhotoSearch; refusing to touch it protects the user's index."""


def schema_version(conn: Any) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: Any, target: int = SCHEMA_VERSION) -> int:
    """Bring the file to `target`, one transaction per step; returns the version it ended at.

    `conn` must be in autocommit mode and outside a transaction. Safe to call from several
    processes at once: the version is re-read after taking the write lock.
    """
    if not 0 <= target <= SCHEMA_VERSION:
        raise ValueError(f"target version {target} outside 0..{SCHEMA_VERSION}")
    current = _not_too_new(conn)
    while current < target:
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = schema_version(conn)  # another process may have migrated meanwhile
            if current < target:
                MIGRATIONS[current](conn)
                current += 1
                conn.execute(f"PRAGMA user_version = {current}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:  # a full disk or an I/O error has rolled it back already
                conn.execute("ROLLBACK")
            raise
    return current


def require_current(conn: Any) -> None:
    """For a library opened read-only, which cannot be migrated: it must be at this program's version."""
    current = _not_too_new(conn)
    if current < SCHEMA_VERSION:
        raise LibraryReadOnly(
            f"the library {getattr(conn, 'path', '')} is read-only here and needs an upgrade (schema v{current} "
            f"to v{SCHEMA_VERSION}) before this PhotoSearch can use it: open it once where it can be written"
        )


def _not_too_new(conn: Any) -> int:
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"this library was written by a newer PhotoSearch (schema v{current}, this program knows up to "
            f"v{SCHEMA_VERSION}); it was left untouched: upgrade PhotoSearch to use it"
        )
    return current
