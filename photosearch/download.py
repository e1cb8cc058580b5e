"""First-use downloads of released checkpoints (hundreds of MB to 16 GB) from the Hugging Face Hub.

Why not a bare `snapshot_download`: a GUI needs the total size before any byte flows, byte progress even when there is
no terminal, a way to cancel, and an offline error that names what is missing and how to fix it. huggingface_hub's own
progress bars are tqdm objects that switch themselves off without a TTY (or with HF_HUB_DISABLE_PROGRESS_BARS), and
snapshot_download folds every file into anonymous aggregate bars.

How (checked against huggingface_hub 2.4.0): one metadata request (`model_info` with file sizes) comes first, then one
`hf_hub_download` per missing file, pinned to the resolved commit. The `tqdm_class` handed to it is deliberately *not* a
tqdm subclass: `utils.tqdm._create_progress_bar` then instantiates it as-is, without injecting `disable`, so every
chunk of `http_get` (and every `xet_get` progress report) reaches our callback whatever the TTY or environment says.
Files land in the standard HF cache, where transformers and open_clip also look.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import httpx2
from huggingface_hub import (
    HfApi,
    constants,
    get_cached_repo_tree,
    hf_hub_download,
    is_offline_mode,
    try_to_load_from_cache,
)
from huggingface_hub.errors import (
    CachedRepoTreeNotFoundError,
    EntryNotFoundError,
    GatedRepoError,
    HfHubHTTPError,
    LocalEntryNotFoundError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.file_download import REGEX_COMMIT_HASH, repo_folder_name
from huggingface_hub.utils import filter_repo_objects

from photosearch.errors import (
    DownloadCancelled,
    DownloadError,
    HubUnreachable,
    ModelNotAvailable,
    NotOnHub,
)
from photosearch.progress import Control, Phase, Progress, ProgressCallback, Unit

__all__ = [
    "DownloadCancelled",
    "DownloadError",
    "HubFiles",
    "ModelNotAvailable",
    "ensure_downloaded",
]

# The Hub client's shared httpx2 session has no timeout at all: a stalled metadata call would hang forever.
METADATA_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class HubFiles:
    """What to fetch from one repo. `files` must all exist; `patterns` are allow-patterns that may match nothing."""

    repo_id: str
    revision: str
    files: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # A bare string would silently become a tuple of one-letter "files".
        if isinstance(self.files, str) or isinstance(self.patterns, str):
            raise TypeError("HubFiles.files and .patterns are tuples of strings, not strings")
        if not self.files and not self.patterns:
            raise ValueError(f"HubFiles({self.repo_id!r}) names no files and no patterns")

    def describe_wanted(self) -> list[str]:
        """Human words for what is wanted when the exact file list is not known (nothing cached, hub unreachable)."""
        return [*self.files, *(f"files matching {p!r}" for p in self.patterns)]


def is_downloaded(spec: HubFiles, cache_dir: str | None = None) -> bool:
    """Every wanted file is in the local cache (decided from disk alone, never the network)."""
    cache = str(Path(cache_dir or constants.HF_HUB_CACHE).expanduser().resolve())
    return _find_local(spec, cache, Path(cache) / repo_folder_name(repo_id=spec.repo_id, repo_type="model")).complete


def ensure_downloaded(
    spec: HubFiles,
    progress: ProgressCallback | None = None,
    cache_dir: str | None = None,
    control: Control | None = None,
    *,
    name: str | None = None,
    endpoint: str | None = None,
) -> Path:
    """Return the local snapshot folder holding `spec`'s files, downloading what is missing.

    Fully cached -> no network call at all. Otherwise the callback first receives the total size (done_bytes counts
    files already cached), then byte updates; it may be called from a worker thread (Xet downloads report from one),
    so a GUI must forward it to its own thread. `name` is the preset name quoted in the offline hint.
    """
    cache = str(Path(cache_dir or constants.HF_HUB_CACHE).expanduser().resolve())
    storage = Path(cache) / repo_folder_name(repo_id=spec.repo_id, repo_type="model")
    local = _find_local(spec, cache, storage)
    if local.complete:
        return local.snapshot
    _raise_if_cancelled(control)
    if is_offline_mode():
        raise _unavailable(spec, name, local.missing, "offline mode is on (HF_HUB_OFFLINE=1)")

    plan = _plan(spec, storage, name, local.missing, endpoint)
    tracker = _Tracker(progress, control, plan)
    tracker.report()  # total size before the first byte
    stop_watch = _start_cancel_watch(control, tracker)
    try:
        for path, size in plan.files:
            if (plan.snapshot / path).is_file():
                continue
            _raise_if_cancelled(control)
            tracker.begin(path)
            _download_one(spec, plan, path, cache, endpoint, tracker, name)
            tracker.finish(size)
    finally:
        stop_watch.set()
    return plan.snapshot


# -- local cache --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Local:
    snapshot: Path
    complete: bool
    missing: list[str]


def _find_local(spec: HubFiles, cache: str, storage: Path) -> _Local:
    """Decide from disk alone (refs, tree listing, snapshot) whether every wanted file is present."""
    sha = spec.revision if REGEX_COMMIT_HASH.fullmatch(spec.revision) else _read_ref(storage, spec.revision)
    if sha is None:
        return _Local(storage, False, spec.describe_wanted())
    snapshot = storage / "snapshots" / sha
    wanted = list(spec.files)
    missing = [f for f in wanted if not isinstance(try_to_load_from_cache(spec.repo_id, f, cache, sha), str)]
    if spec.patterns:
        try:
            # Written by us (or by snapshot_download) when the files were listed online: the only offline record
            # of which files a pattern stands for, so a half-finished shard set is not mistaken for complete.
            listed = [f.path for f in get_cached_repo_tree(spec.repo_id, revision=sha, cache_dir=cache)]
        except CachedRepoTreeNotFoundError:
            return _Local(snapshot, False, [*missing, *(f"files matching {p!r}" for p in spec.patterns)])
        matched = [f for f in filter_repo_objects(listed, allow_patterns=list(spec.patterns)) if f not in wanted]
        missing += [f for f in matched if not (snapshot / f).is_file()]
        wanted += matched
    return _Local(snapshot, bool(wanted) and not missing, missing)


def _read_ref(storage: Path, revision: str) -> str | None:
    try:
        return (storage / "refs" / revision).read_text().strip() or None
    except OSError:
        return None


def _write_ref(storage: Path, revision: str, sha: str) -> None:
    """Record branch/tag -> commit like huggingface_hub does, so the next run resolves it without the network."""
    if REGEX_COMMIT_HASH.fullmatch(revision) or _read_ref(storage, revision) == sha:
        return
    ref = storage / "refs" / revision
    ref.parent.mkdir(parents=True, exist_ok=True)
    tmp = ref.with_name(f"{ref.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(sha)
    os.replace(tmp, ref)  # readers never see a half-written ref


def _write_tree_listing(storage: Path, sha: str, siblings: list[Any]) -> None:
    """Store the commit's file listing in huggingface_hub's own tree cache (what snapshot_download writes too).

    The writer is private in huggingface_hub 2.4 (its reader, `get_cached_repo_tree`, is public). If a later version
    moves it, pattern specs merely lose their offline completeness check and ask the Hub again.
    """
    try:
        from huggingface_hub._tree_cache import TreeCacheEntry, write_tree_cache
    except ImportError:
        return
    if any(s.blob_id is None or s.size is None for s in siblings):
        return  # an incomplete listing would make partial snapshots look complete
    entries = {
        s.rfilename: TreeCacheEntry(
            size=s.size,
            blob_id=s.blob_id,
            lfs_sha256=s.lfs.sha256 if s.lfs else None,
            lfs_size=s.lfs.size if s.lfs else None,
        )
        for s in siblings
    }
    write_tree_cache(str(storage), sha, entries)


# -- hub metadata -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Plan:
    sha: str
    snapshot: Path
    files: tuple[tuple[str, int], ...]  # (path in repo, size in bytes), sorted by path


def _plan(spec: HubFiles, storage: Path, name: str | None, missing: list[str], endpoint: str | None) -> _Plan:
    """One `model_info(files_metadata=True)` call: commit hash, full listing and every size, before any download."""
    try:
        info = HfApi(endpoint=endpoint).model_info(
            spec.repo_id, revision=spec.revision, files_metadata=True, timeout=METADATA_TIMEOUT_S
        )
    except Exception as exc:
        translated = _translate(exc, spec, name, missing)
        if translated is None:
            raise
        raise translated from exc
    if info.sha is None or info.siblings is None:
        raise NotOnHub(
            f"the Hub gave no file list for {spec.repo_id} @ {spec.revision}", repo_id=spec.repo_id,
            revision=spec.revision, missing=tuple(missing),
        )
    by_path = {s.rfilename: s for s in info.siblings}
    absent = [f for f in spec.files if f not in by_path]
    wanted = set(spec.files) - set(absent)
    if spec.patterns:
        wanted |= set(filter_repo_objects(list(by_path), allow_patterns=list(spec.patterns)))
    if absent or not wanted:
        what = ", ".join(absent) if absent else ", ".join(spec.describe_wanted())
        raise NotOnHub(
            f"{spec.repo_id} @ {spec.revision} on the Hub does not contain: {what}; the model definition may be out "
            "of date (updating PhotoSearch should fix it)",
            repo_id=spec.repo_id, revision=spec.revision, missing=tuple(absent or spec.describe_wanted()),
        )
    _write_ref(storage, spec.revision, info.sha)
    if spec.patterns:
        _write_tree_listing(storage, info.sha, info.siblings)
    files = tuple(sorted((p, _size(by_path[p])) for p in wanted))
    return _Plan(info.sha, storage / "snapshots" / info.sha, files)


def _size(sibling: Any) -> int:
    """For LFS files the LFS object is what gets downloaded, so its size is the authoritative one."""
    if sibling.lfs is not None:
        return int(sibling.lfs.size)
    return int(sibling.size or 0)


# -- errors -------------------------------------------------------------------------------------------------------
def _unavailable(spec: HubFiles, name: str | None, missing: list[str], reason: str) -> HubUnreachable:
    """One line: what is missing, why it cannot be fetched, what to do (the app reads the fields instead)."""
    todo = f"run `photosearch models download {name}`" if name else "try again"
    return HubUnreachable(
        f"model files are not in the local cache and cannot be downloaded: {reason}; missing "
        f"{', '.join(missing) or '(unknown)'} from {spec.repo_id} @ {spec.revision[:12]}. "
        f"Connect to the internet and {todo}",
        repo_id=spec.repo_id, revision=spec.revision, missing=tuple(missing),
    )


def _translate(exc: Exception, spec: HubFiles, name: str | None, missing: list[str]) -> DownloadError | None:
    """Map huggingface_hub/httpx2 failures to what the user can act on; None means "not ours, re-raise as is"."""
    if isinstance(exc, OfflineModeIsEnabled):
        return _unavailable(spec, name, missing, "offline mode is on (HF_HUB_OFFLINE=1)")
    if isinstance(exc, (httpx2.TransportError, LocalEntryNotFoundError)):
        reason = f"the Hugging Face Hub could not be reached ({exc.__class__.__name__})"
        return _unavailable(spec, name, missing, reason)
    if isinstance(exc, GatedRepoError):
        return _gated(spec, missing)
    if isinstance(exc, (RepositoryNotFoundError, RevisionNotFoundError, EntryNotFoundError)):
        return NotOnHub(
            f"the Hub has no accessible {spec.repo_id} @ {spec.revision}: {_first_line(exc)}", repo_id=spec.repo_id,
            revision=spec.revision, missing=tuple(missing),
        )
    if isinstance(exc, HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else "?"
        if status == 401 or status == 403:
            return _gated(spec, missing)
        return _unavailable(spec, name, missing, f"the Hugging Face Hub answered HTTP {status}")
    return None


def _gated(spec: HubFiles, missing: list[str]) -> NotOnHub:
    """401/403 or GatedRepo: the repo needs an accepted licence and a token (Meta's Llama repos, for one)."""
    return NotOnHub(
        f"{spec.repo_id} is gated and this machine has no access: accept its licence at "
        f"https://huggingface.co/{spec.repo_id} (logged in), then run `hf auth login` (or set HF_TOKEN) and try again",
        repo_id=spec.repo_id, revision=spec.revision, missing=tuple(missing),
    )


def _first_line(exc: BaseException) -> str:
    return next((line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__)


def _raise_if_cancelled(control: Control | None) -> None:
    if control is not None and control.cancelled:
        raise DownloadCancelled("download cancelled")


# -- downloading + progress ---------------------------------------------------------------------------------------
class _Tracker:
    """Turns per-chunk updates from huggingface_hub into whole-download `Progress` reports (bytes)."""

    def __init__(self, callback: ProgressCallback | None, control: Control | None, plan: _Plan) -> None:
        self._callback = callback
        self.control = control
        self._lock = threading.Lock()
        self._owner = threading.get_ident()
        cached = [(p, s) for p, s in plan.files if (plan.snapshot / p).is_file()]
        self.total = sum(s for _, s in plan.files)
        self.files_total = len(plan.files)
        self.done = sum(s for _, s in cached)
        self.files_done = len(cached)
        self.current = ""
        self._file_start = self.done
        self.xet_active = False  # set while huggingface_hub downloads the current file through hf_xet

    def report(self) -> None:
        if self._callback is None:
            return
        with self._lock:  # a consistent snapshot even while hf_xet's thread is adding bytes
            snapshot = Progress(
                Phase.DOWNLOAD, self.done, self.total, Unit.BYTES, current=self.current,
                items_done=self.files_done, items_total=self.files_total,
            )
        self._callback(snapshot)

    def begin(self, path: str) -> None:
        with self._lock:
            self.current, self._file_start, self.xet_active = path, self.done, False
        self.report()

    def add(self, n: int) -> None:
        with self._lock:
            self.done += n
        self.report()
        # Raising only works on the downloading thread (http_get's loop). hf_xet calls from its own progress thread
        # and merely logs exceptions; the watcher thread aborts Xet transfers instead.
        if threading.get_ident() == self._owner:
            _raise_if_cancelled(self.control)

    def finish(self, size: int) -> None:
        with self._lock:
            # Snap to the listed size: retries, Xet accounting or compressed transfer can over/under-count.
            self.done = self._file_start + size
            self.files_done += 1
            self.xet_active = False
        self.report()


class _TrackerBar:
    """Duck-typed tqdm that forwards to a _Tracker; never a tqdm subclass, so the Hub client cannot disable it."""

    tracker: _Tracker

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.n = kwargs.get("initial") or 0
        self.total = kwargs.get("total")
        # In huggingface_hub 2.4 only XetDownloadProgressReporter passes `position`; http_get never does.
        if "position" in kwargs:
            self.tracker.xet_active = True

    def update(self, n: int | float | None = 1) -> None:
        if n:
            self.n += n
            self.tracker.add(int(n))

    # Defining these makes http_get and the Xet reporter treat us as one aggregated bar instead of creating a second
    # "transfer" bar whose network-byte counts would be added on top of the bytes written.
    def update_transfer(self, n: int | float | None = 1) -> None:
        pass

    def set_transfer_postfix_str(self, *args: Any, **kwargs: Any) -> None:
        pass

    def set_postfix_str(self, *args: Any, **kwargs: Any) -> None:
        pass

    def set_description(self, *args: Any, **kwargs: Any) -> None:
        pass

    def set_description_str(self, *args: Any, **kwargs: Any) -> None:
        pass

    def refresh(self, *args: Any, **kwargs: Any) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> _TrackerBar:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def _download_one(
    spec: HubFiles, plan: _Plan, path: str, cache: str, endpoint: str | None, tracker: _Tracker, name: str | None
) -> None:
    bar_class = type("_Bar", (_TrackerBar,), {"tracker": tracker})
    try:
        hf_hub_download(
            spec.repo_id, path, revision=plan.sha, cache_dir=cache, endpoint=endpoint,
            tqdm_class=cast(Any, bar_class),
        )
    except DownloadError:
        raise
    except Exception as exc:
        if tracker.control is not None and tracker.control.cancelled:  # e.g. the Xet abort surfaced as its own error
            raise DownloadCancelled("download cancelled") from exc
        left = [p for p, _ in plan.files if not (plan.snapshot / p).is_file()]
        translated = _translate(exc, spec, name, left)
        if translated is None:
            raise
        raise translated from exc


def _start_cancel_watch(control: Control | None, tracker: _Tracker) -> threading.Event:
    """Cancel Xet transfers, which ignore exceptions raised from their progress callback.

    huggingface_hub 2.4 offers no per-download handle, only `abort_xet_session()` (what it runs on Ctrl-C): it stops
    every Xet transfer of this process, which here means only our own model download.
    """
    stop = threading.Event()
    if control is None:
        return stop

    def watch() -> None:
        while not stop.is_set():
            if control.wait_cancelled(0.2):
                if tracker.xet_active and not stop.is_set():
                    from huggingface_hub.utils._xet import abort_xet_session

                    abort_xet_session()
                return

    threading.Thread(target=watch, name="photosearch-download-cancel", daemon=True).start()
    return stop
