"""Searches answered by the running app or `photosearch watch`, so a CLI search loads no model of its own.

Why: a CLI text query that meets a new text has to import torch and open_clip and build the text tower (7.6 s
and 1.9 GB for ViT-B-32-256 on the 2-core machine, `bench/bench_cli.py`), while the app or a watcher usually
has that tower in memory already. As `mdfind` asks Spotlight's server, `search` first asks a process serving
the same library file over a Unix socket in the user's runtime folder (private to the user), and searches by
itself when none answers.

Protocol: one JSON line each way per connection. The request carries the parsed query terms (photo paths made
absolute by the client: the server's working folder is not the caller's), k, filters, sort, cut-off and model;
the answer is the `SearchOutcome`, or a `PhotoSearchError`'s message, which the client raises again.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import socketserver
import stat
import threading
import warnings
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs

from photosearch.errors import InvalidInput, PhotoSearchError
from photosearch.query import QueryTerm, TermKind
from photosearch.search_types import QueryText, SearchFilters, SearchOutcome, SearchRequest, SearchResult

if TYPE_CHECKING:
    from photosearch.library import Library

log = logging.getLogger(__name__)

SUPPORTED = hasattr(socket, "AF_UNIX")
_MAX_REQUEST = 1 << 20
_TIMEOUT_S = 600.0  # a first query may load an LLM for minutes; the client waits as long as searching itself


def socket_path(db: str | os.PathLike[str]) -> Path:
    """The socket of the server for this library file: one per file, named after its real path."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    if not base:
        with warnings.catch_warnings():  # platformdirs warns when it falls back to /tmp/runtime-UID: not news
            warnings.simplefilter("ignore")
            base = platformdirs.user_runtime_path("PhotoSearch", appauthor=False)
    base = Path(base)
    name = hashlib.sha256(os.fsencode(os.path.realpath(db))).hexdigest()[:20]
    return base / f"photosearch-{name}.sock"


# -- wire format ----------------------------------------------------------------------------------------------
def _when(value: date | datetime | None) -> dict[str, str] | None:
    if value is None:
        return None
    return {"datetime" if isinstance(value, datetime) else "date": value.isoformat()}


def _from_when(value: dict[str, str] | None) -> date | datetime | None:
    if not value:
        return None
    ((kind, text),) = value.items()
    return datetime.fromisoformat(text) if kind == "datetime" else date.fromisoformat(text)


def encode_request(request: SearchRequest, model: str | None) -> dict[str, Any]:
    terms = [{"kind": t.kind.value, "weight": t.weight,
              "value": os.path.abspath(os.path.expanduser(t.value)) if t.kind == TermKind.IMAGE else t.value}
             for t in request.terms()]
    f = request.filters
    return {"terms": terms, "k": request.k, "sort": request.sort.value, "cutoff": request.cutoff, "model": model,
            "filters": {"folder": os.path.abspath(os.path.expanduser(f.folder)) if f.folder else None,
                        "since": _when(f.since), "until": _when(f.until), "camera": f.camera,
                        "file_types": list(f.file_types)}}


def decode_request(data: dict[str, Any]) -> tuple[SearchRequest, str | None]:
    f = data["filters"]
    terms = [QueryTerm(TermKind(t["kind"]), t["value"], float(t["weight"])) for t in data["terms"]]
    filters = SearchFilters(folder=f["folder"], since=_from_when(f["since"]), until=_from_when(f["until"]),
                            camera=f["camera"], file_types=tuple(f["file_types"]))
    return SearchRequest(query=terms, k=data["k"], sort=data["sort"], cutoff=data["cutoff"], filters=filters), \
        data["model"]


def encode_outcome(outcome: SearchOutcome) -> dict[str, Any]:
    return {"model_id": outcome.model_id,
            "results": [{"path": r.path, "score": r.score, "taken_at": _when(r.taken_at), "size": r.size,
                         "file_id": r.file_id, "width": r.width, "height": r.height, "matched": list(r.matched)}
                        for r in outcome.results],
            "texts": [[t.text, t.tokens, t.kept, t.truncated] for t in outcome.texts]}


def decode_outcome(data: dict[str, Any]) -> SearchOutcome:
    results = [SearchResult(r["path"], r["score"], _from_when(r["taken_at"]), r["size"], r["file_id"], r["width"],
                            r["height"], tuple(r.get("matched", ()))) for r in data["results"]]
    return SearchOutcome(data["model_id"], results, [QueryText(*t) for t in data["texts"]])


# -- server ---------------------------------------------------------------------------------------------------
class _Handler(socketserver.StreamRequestHandler):
    server: "_Server"

    def handle(self) -> None:
        try:
            line = self.rfile.readline(_MAX_REQUEST)
            request, model = decode_request(json.loads(line))
            reply: dict[str, Any] = {"outcome": encode_outcome(self.server.library.search(request, model=model))}
        except PhotoSearchError as e:
            reply = {"error": str(e), "kind": type(e).__name__}
        except Exception as e:  # noqa: BLE001 (a bad request or a bug: the client searches by itself)
            log.exception("query server: request failed")
            reply = {"failed": f"{type(e).__name__}: {e}"}
        self.wfile.write(json.dumps(reply).encode() + b"\n")


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def __init__(self, path: str, library: "Library") -> None:
        self.library = library
        super().__init__(path, _Handler)


class QueryServer:
    """Serves `library`'s searches on its socket from a background thread until `close()`."""

    def __init__(self, library: "Library") -> None:
        self.library = library
        self.path = socket_path(library.path)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> bool:
        """Listen; False (and nothing served) where Unix sockets are missing or another process serves already."""
        if not SUPPORTED:
            return False
        old = os.umask(0o077)  # the socket is the user's alone, wherever the folder is
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if _answers(self.path):
                return False
            self.path.unlink(missing_ok=True)  # left by a process that died
            self._server = _Server(str(self.path), self.library)
        except OSError as e:
            log.info("query server not started: %s", e)
            return False
        finally:
            os.umask(old)
        self._thread = threading.Thread(target=self._server.serve_forever, name="query-server", daemon=True)
        self._thread.start()
        return True

    def close(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self.path.unlink(missing_ok=True)
        self._server = None

    def __enter__(self) -> "QueryServer":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _answers(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(1.0)
        try:
            s.connect(str(path))
            return True
        except OSError:
            return False


# -- client ---------------------------------------------------------------------------------------------------
def ask(db: str | os.PathLike[str], request: SearchRequest, model: str | None = None) -> SearchOutcome | None:
    """The outcome from a process serving `db`, or None when none does (then search by yourself). A user error
    the server found (a query it cannot parse, nothing indexed) is raised here as the same class's message."""
    if not SUPPORTED:
        return None
    path = socket_path(db)
    try:
        st = path.stat()
    except OSError:
        return None
    if not stat.S_ISSOCK(st.st_mode) or st.st_uid != os.getuid():
        return None
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(_TIMEOUT_S)
        try:
            s.connect(str(path))
            s.sendall(json.dumps(encode_request(request, model)).encode() + b"\n")
            with s.makefile("rb") as f:
                reply = json.loads(f.readline(_MAX_REQUEST * 64) or b"{}")
        except (OSError, ValueError):
            return None
    if "outcome" in reply:
        return decode_outcome(reply["outcome"])
    if "error" in reply:
        raise _error_class(reply.get("kind"))(reply["error"])
    return None


def _error_class(name: str | None) -> type[PhotoSearchError]:
    from photosearch import errors

    cls = getattr(errors, name or "", None)
    return cls if isinstance(cls, type) and issubclass(cls, PhotoSearchError) else InvalidInput
