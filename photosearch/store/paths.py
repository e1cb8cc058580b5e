"""Where the database file lives when nobody says otherwise."""
from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "PhotoSearch"
DB_FILENAME = "photosearch.db"
DB_ENV_VAR = "PHOTOSEARCH_DB"


def default_db_path() -> Path:
    """`$PHOTOSEARCH_DB` if set, else `photosearch.db` in the per-user data dir.

    The user data dir (not cache) because the index is hours of GPU work and must survive cache
    cleaners. Command-line `--db` flags take precedence over this; they are the caller's business.
    """
    env = os.environ.get(DB_ENV_VAR)
    if env:
        return Path(env).expanduser()
    return platformdirs.user_data_path(APP_NAME, appauthor=False) / DB_FILENAME
