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
from __future__ import annotations

from photosearch.lazy_names import lazy_names

# Names load on first use (PEP 562): a command that needs one submodule (the CLI's search reads only paths and
# records) does not pay for importing them all.
_WHERE = {
    "ConnectOptions": "photosearch.store.connect",
    "driver": "photosearch.store.connect",
    "driver_name": "photosearch.store.connect",
    "open_connection": "photosearch.store.connect",
    "DB_ENV_VAR": "photosearch.store.paths",
    "default_db_path": "photosearch.store.paths",
    "EmbedJob": "photosearch.store.records",
    "FileRecord": "photosearch.store.records",
    "FileStatus": "photosearch.store.records",
    "ModelRecord": "photosearch.store.records",
    "PhotoMeta": "photosearch.store.records",
    "Root": "photosearch.store.records",
    "StatusCounts": "photosearch.store.records",
    "wall_clock_datetime": "photosearch.store.records",
    "wall_clock_seconds": "photosearch.store.records",
    "SCHEMA_VERSION": "photosearch.store.schema",
    "SchemaTooNewError": "photosearch.store.schema",
    "migrate": "photosearch.store.schema",
    "path_from_key": "photosearch.store.rows",
    "path_key": "photosearch.store.rows",
    "Store": "photosearch.store.store",
    "VectorIndex": "photosearch.store.ram_index",
    "VectorError": "photosearch.store.vectors",
}

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


__getattr__, __dir__ = lazy_names(__name__, _WHERE)
