"""A tiny fake Hugging Face Hub on 127.0.0.1 for tests: no real network.

It serves exactly what huggingface_hub 2.4 asks for on our download path:
`GET /api/models/<repo>/revision/<rev>?blobs=True` (model_info with file sizes), then `HEAD` and
`GET /<repo>/resolve/<sha>/<file>` (ETag, X-Repo-Commit, Content-Length; Range for resumes).
"""
from __future__ import annotations

import hashlib
import importlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from huggingface_hub import constants
from huggingface_hub.utils import _http as hf_http

from photosearch import download

CHUNK = 16 * 1024


class FakeHub:
    """A tiny Hub: counts requests and logs them into `events` so tests can order them against progress reports."""

    def __init__(self, repo: str, sha: str, files: dict[str, bytes], refuse: tuple[int, str] | None = None) -> None:
        """`refuse=(status, X-Error-Code)` answers every request that way: (401, "GatedRepo") is what the Hub
        tells an anonymous client about a gated repo, (403, "GatedRepo") a logged-in one without access."""
        self.repo, self.sha, self.files, self.refuse = repo, sha, files, refuse
        self.events: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                hub._handle(self, head=False)

            def do_HEAD(self) -> None:
                hub._handle(self, head=True)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def requests(self) -> int:
        with self.lock:
            return sum(1 for kind, _ in self.events if kind.startswith("http"))

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handle(self, req: BaseHTTPRequestHandler, head: bool) -> None:
        path = unquote(urlsplit(req.path).path)
        with self.lock:
            self.events.append((f"http {req.command}", path))
        if self.refuse is not None:
            status, code = self.refuse
            message = f"Access to model {self.repo} is restricted. You must have access to it and be authenticated."
            self._send(req, status, message.encode(), head, {"X-Error-Code": code, "X-Error-Message": message})
            return
        info_prefix = f"/api/models/{self.repo}/revision/"
        resolve_prefix = f"/{self.repo}/resolve/"
        if path.startswith(info_prefix) and path[len(info_prefix):] in ("main", self.sha):
            siblings = [
                {"rfilename": name, "size": len(data), "blobId": hashlib.sha1(data).hexdigest()}
                for name, data in self.files.items()
            ]
            self._send(req, 200, json.dumps({"id": self.repo, "sha": self.sha, "siblings": siblings}).encode(), head)
        elif path.startswith(resolve_prefix):
            revision, _, name = path[len(resolve_prefix):].partition("/")
            if revision != self.sha or name not in self.files:
                self._send(req, 404, b"not found", head, {"X-Error-Code": "EntryNotFound", "X-Repo-Commit": self.sha})
                return
            data = self.files[name]
            headers = {"ETag": f'"{hashlib.sha256(data).hexdigest()}"', "X-Repo-Commit": self.sha, "Accept-Ranges": "bytes"}
            start = int(req.headers.get("Range", "bytes=0-")[len("bytes="):].split("-")[0] or 0)
            if start:
                headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
            self._send(req, 206 if start else 200, data[start:], head, headers)
        else:
            self._send(req, 404, b"no such endpoint", head, {"X-Error-Code": "RepoNotFound"})

    @staticmethod
    def _send(req: BaseHTTPRequestHandler, status: int, body: bytes, head: bool, headers: dict | None = None) -> None:
        req.send_response(status)
        for key, value in (headers or {}).items():
            req.send_header(key, value)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        if head:
            return
        try:
            for i in range(0, len(body), CHUNK):  # dribble so the client sees several chunks
                req.wfile.write(body[i : i + CHUNK])
                req.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # client cancelled mid-body


def point_hub_client_at(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make huggingface_hub (and our downloader) talk to `url` with a cache under `tmp_path`; undone by monkeypatch."""
    hf_home = tmp_path / "hf_home"
    # Environment for anything read lazily, constants for what huggingface_hub read at import time.
    for key, value in {
        "HF_ENDPOINT": url,
        "HF_HOME": str(hf_home),
        "HF_HUB_CACHE": str(tmp_path / "cache"),
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "NO_PROXY": "127.0.0.1,localhost",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setattr(constants, "ENDPOINT", url)
    template = url + "/{repo_id}/resolve/{revision}/{filename}"
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", template)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(hf_home / "token"))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_PROGRESS_BARS", True)
    # utils.tqdm copied the flag at import (and the package attribute `utils.tqdm` is the class, not the module).
    monkeypatch.setattr(importlib.import_module("huggingface_hub.utils.tqdm"), "HF_HUB_DISABLE_PROGRESS_BARS", True)
    monkeypatch.setattr(constants, "DOWNLOAD_CHUNK_SIZE", CHUNK)
    monkeypatch.setattr(constants, "HF_HUB_DOWNLOAD_TIMEOUT", 5)
    monkeypatch.setattr(download, "METADATA_TIMEOUT_S", 5.0)
    hf_http.close_session()  # a fresh client, so it picks up NO_PROXY and no connection outlives the server
