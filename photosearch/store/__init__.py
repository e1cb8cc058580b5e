"""The library database: one SQLite file (WAL, sqlite-vec) shared by the indexer, the UI and the CLI.

Typical use::

    store = Store.open()                        # default_db_path(), or a path from --db
    with store.write_batch():                   # one commit per indexer batch
        rec = store.upsert_file(root.id, path, size=..., mtime_ns=..., quick_hash=h, scan_id=scan)
        if not store.has_embedding(model_id, rec.key):
            store.add_embeddings(model_id, [(rec.key, vector)])
        store.mark_indexed([rec.id])
    index = store.vector_index(model_id)
    index.refresh()                             # cheap; picks up other processes' writes
    hits = index.search(query_vector, k=50, candidate_keys=None)   # [(key, score)], exact
    files = store.files_for_keys(k for k, _ in hits)

A *key* is an int content id shared by every file with the same quick_hash (see records.py).
Paths go in and come out as `str` (undecodable names as lone surrogates, like `os.listdir`) and are stored
as the OS's bytes. Failures a user can cause raise `photosearch.errors.LibraryError` subclasses.
"""
from photosearch.store.connect import ConnectOptions, driver, driver_name, open_connection
from photosearch.store.paths import DB_ENV_VAR, default_db_path
from photosearch.store.records import (
    EmbedJob,
    FileRecord,
    FileStatus,
    ModelRecord,
    PhotoMeta,
    Root,
    StatusCounts,
    wall_clock_datetime,
    wall_clock_seconds,
)
from photosearch.store.schema import SCHEMA_VERSION, SchemaTooNewError, migrate
from photosearch.store.rows import path_from_key, path_key
from photosearch.store.store import Store
from photosearch.store.ram_index import VectorIndex
from photosearch.store.vectors import VectorError

__all__ = [
    "ConnectOptions",
    "DB_ENV_VAR",
    "EmbedJob",
    "FileRecord",
    "FileStatus",
    "ModelRecord",
    "PhotoMeta",
    "Root",
    "SCHEMA_VERSION",
    "SchemaTooNewError",
    "StatusCounts",
    "Store",
    "VectorError",
    "VectorIndex",
    "default_db_path",
    "driver",
    "driver_name",
    "migrate",
    "open_connection",
    "path_from_key",
    "path_key",
    "wall_clock_datetime",
    "wall_clock_seconds",
]
