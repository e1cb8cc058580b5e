"""Where PhotoSearch writes its log, and the logging set-up every front end shares.

The CLI and the app log to one rotating file in the user log folder (`$PHOTOSEARCH_LOG_DIR` overrides it):
an unexpected error prints one line that names this file, and the file holds the traceback. Warnings also go
to stderr for the CLI. Paths in messages may hold undecodable bytes (lone surrogates), so every handler
escapes instead of raising.
"""
from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

LOG_ENV_VAR = "PHOTOSEARCH_LOG_DIR"
LOG_NAME = "photosearch.log"


def log_path() -> Path:
    folder = os.environ.get(LOG_ENV_VAR)
    if folder:
        return Path(folder).expanduser() / LOG_NAME
    import platformdirs

    return platformdirs.user_log_path("PhotoSearch", appauthor=False) / LOG_NAME


def setup_logging(*, stderr_level: int | None = logging.WARNING) -> Path | None:
    """Log INFO and up to the log file, and `stderr_level` and up to stderr as `warning: ...` lines.

    Returns the log file, or None when it cannot be created (a read-only home): logging then goes to stderr
    only, which must not stop the program. Calling it again replaces the handlers it added before.
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_photosearch", False)]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(logging.INFO)
    path: Path | None = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)  # type: ignore[union-attr]
        file_handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=3, encoding="utf-8", errors="backslashreplace"
        )
        file_handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"))
        _add(root, file_handler)
    except OSError:
        path = None
    if stderr_level is not None:
        stream = logging.StreamHandler(sys.stderr)
        stream.setLevel(stderr_level)
        stream.setFormatter(_OneLine("%(levelname_lower)s: %(message)s"))
        stream.addFilter(_for_stderr)
        _add(root, stream)
    for noisy in ("httpx", "httpx2", "httpcore", "httpcore2", "urllib3", "PIL", "watchdog"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return path


def _add(root: logging.Logger, handler: logging.Handler) -> None:
    handler._photosearch = True  # type: ignore[attr-defined]
    root.addHandler(handler)


FILE_ONLY = {"file_only": True}
"""`log.exception(..., extra=FILE_ONLY)`: for the log file alone (the front end says it in its own words)."""


class _OneLine(logging.Formatter):
    """stderr gets the message only: tracebacks belong in the log file."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info = record.exc_text = record.stack_info = None
        try:
            return super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved


def _for_stderr(record: logging.LogRecord) -> bool:
    if getattr(record, "file_only", False):
        return False
    record.levelname_lower = record.levelname.lower()
    if isinstance(record.msg, str):  # stderr may be strict UTF-8: escape lone surrogates of odd file names
        record.msg = record.msg.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(record.args, tuple):
        record.args = tuple(
            a.encode("utf-8", "backslashreplace").decode("utf-8") if isinstance(a, str) else a for a in record.args
        )
    return True
