"""photosearch.download against a fake Hugging Face Hub on 127.0.0.1 (tests/fake_hub.py) — no real network.

Everything is bounded: short client timeouts, tiny files, small download chunks.
"""
from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

import pytest

from huggingface_hub import constants
from huggingface_hub.utils import _http as hf_http

from photosearch import download
from photosearch.download import DownloadCancelled, HubFiles, ModelNotAvailable, ensure_downloaded
from photosearch.errors import NotOnHub
from photosearch.progress import Control, Phase, Progress, Unit
from tests.fake_hub import FakeHub, point_hub_client_at

REPO = "photosearch-test/tiny-ckpt"
SHA = "0123456789abcdef0123456789abcdef01234567"
FILES = {
    "config.json": b'{"dim": 8}',
    "model-00001-of-00002.safetensors": bytes(range(256)) * 1024,  # 256 KiB -> 16 chunks
    "model-00002-of-00002.safetensors": b"\x07" * 100_000,
    "README.md": b"# not wanted\n",
}


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    server = FakeHub(REPO, SHA, FILES)
    point_hub_client_at(server.url, tmp_path, monkeypatch)
    yield server
    server.stop()
    hf_http.close_session()


@pytest.fixture
def dead_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A Hub address where nothing listens: what a machine without network sees (connection refused)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
    point_hub_client_at(url, tmp_path, monkeypatch)
    yield url
    hf_http.close_session()


def _recorder(hub: FakeHub) -> tuple[list[Progress], callable]:
    reports: list[Progress] = []

    def on_progress(p: Progress) -> None:
        reports.append(p)
        with hub.lock:
            hub.events.append(("progress", f"{p.done}/{p.total}"))

    return reports, on_progress


SHARDS = HubFiles(REPO, "main", files=("config.json",), patterns=("*.safetensors",))
WANTED = ["config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
WANTED_BYTES = sum(len(FILES[f]) for f in WANTED)


def test_total_first_then_byte_progress_without_tty(hub: FakeHub, tmp_path: Path) -> None:
    from huggingface_hub.utils import are_progress_bars_disabled

    assert are_progress_bars_disabled()  # huggingface_hub's own bars are off here, as in any GUI
    reports, on_progress = _recorder(hub)
    folder = ensure_downloaded(SHARDS, progress=on_progress, cache_dir=str(tmp_path / "cache"))

    assert folder == (tmp_path / "cache" / "models--photosearch-test--tiny-ckpt" / "snapshots" / SHA).resolve()
    assert sorted(p.name for p in folder.iterdir()) == sorted(WANTED)  # README.md not fetched
    for name in WANTED:
        assert (folder / name).read_bytes() == FILES[name]

    # The first report carries the full size and comes before any file byte is requested.
    first = reports[0]
    assert (first.done, first.total, first.items_done, first.items_total) == (0, WANTED_BYTES, 0, 3)
    assert all(p.phase == Phase.DOWNLOAD and p.unit == Unit.BYTES for p in reports)
    kinds = [kind for kind, _ in hub.events]
    first_file_get = next(i for i, (k, p) in enumerate(hub.events) if k == "http GET" and "/resolve/" in p)
    assert kinds.index("progress") < first_file_get
    assert all(p.total == WANTED_BYTES for p in reports)

    # Byte-level: many small increments (16 KiB chunks), monotonic, ending exactly at the total.
    done = [p.done for p in reports]
    assert done == sorted(done)
    assert len(reports) > 20
    assert reports[-1].done == WANTED_BYTES and reports[-1].items_done == 3
    assert {p.current for p in reports if p.current} == set(WANTED)


def test_second_call_makes_no_request(hub: FakeHub, tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    first = ensure_downloaded(SHARDS, cache_dir=cache)
    single = HubFiles(REPO, "main", files=("config.json",))
    ensure_downloaded(single, cache_dir=cache)
    before = hub.requests
    reports, on_progress = _recorder(hub)

    assert ensure_downloaded(SHARDS, progress=on_progress, cache_dir=cache) == first
    assert ensure_downloaded(single, progress=on_progress, cache_dir=cache) == first
    assert hub.requests == before
    assert reports == []

    # Also with the hub gone and offline mode on: served from disk (refs + cached tree listing).
    hub.stop()
    pinned = HubFiles(REPO, SHA, patterns=("*.safetensors",))
    assert ensure_downloaded(pinned, cache_dir=cache) == first


def test_offline_mode_with_missing_files_names_them(hub: FakeHub, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    spec = HubFiles(REPO, "main", files=("config.json", "weights.bin"))
    with pytest.raises(ModelNotAvailable) as info:
        ensure_downloaded(spec, cache_dir=str(tmp_path / "cache"), name="tiny")
    message = str(info.value)
    for expected in (REPO, "main", "config.json", "weights.bin", "photosearch models download tiny", "HF_HUB_OFFLINE"):
        assert expected in message
    assert info.value.missing == ("config.json", "weights.bin")
    assert hub.requests == 0


def test_unreachable_hub_with_partial_cache_names_only_missing_files(hub: FakeHub, tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    ensure_downloaded(HubFiles(REPO, "main", files=("config.json",)), cache_dir=cache)
    hub.stop()

    with pytest.raises(ModelNotAvailable) as info:
        ensure_downloaded(SHARDS, cache_dir=cache, name="tiny")
    message = str(info.value)
    assert "could not be reached" in message and "photosearch models download tiny" in message
    assert "files matching '*.safetensors'" in message
    assert "config.json" not in info.value.missing


def test_unreachable_hub_after_listing_names_exact_shards(hub: FakeHub, tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    cancel = Control()
    with pytest.raises(DownloadCancelled):
        ensure_downloaded(SHARDS, cache_dir=cache, control=cancel, progress=_cancel_in(cancel, "model-00002"))
    hub.stop()

    with pytest.raises(ModelNotAvailable) as info:
        ensure_downloaded(SHARDS, cache_dir=cache)
    assert info.value.missing == ("model-00002-of-00002.safetensors",)
    assert "try again" in str(info.value)  # no preset name to suggest a download command for


def _cancel_in(cancel: Control, prefix: str):
    def on_progress(p: Progress) -> None:
        if p.current.startswith(prefix) and p.done > 0 and p.items_done < p.items_total:
            position = p.done - sum(len(FILES[f]) for f in WANTED if f < p.current)
            if position > 0:  # mid-file: some of its bytes have arrived
                cancel.cancel()

    return on_progress


def test_cancel_mid_file_leaves_no_partial_then_resumes(hub: FakeHub, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cancel = Control()
    big = "model-00001-of-00002.safetensors"
    started = time.monotonic()
    with pytest.raises(DownloadCancelled):
        ensure_downloaded(SHARDS, cache_dir=str(cache), control=cancel, progress=_cancel_in(cancel, big[:11]))
    assert time.monotonic() - started < 5
    assert ("http GET", f"/{REPO}/resolve/{SHA}/{big}") in hub.events  # it really was mid-transfer

    storage = cache / "models--photosearch-test--tiny-ckpt"
    snapshot = storage / "snapshots" / SHA
    assert (snapshot / "config.json").is_file()  # finished files stay
    assert not (snapshot / big).exists()
    blobs = {p.name for p in (storage / "blobs").iterdir()}
    assert not any(name.endswith(".incomplete") for name in blobs)
    assert hashlib.sha256(FILES[big]).hexdigest() not in blobs

    reports, on_progress = _recorder(hub)
    folder = ensure_downloaded(SHARDS, cache_dir=str(cache), progress=on_progress)
    assert (folder / big).read_bytes() == FILES[big]
    assert reports[0].done == len(FILES["config.json"]) and reports[0].items_done == 1
    assert reports[-1].done == WANTED_BYTES


def test_cancel_before_start_makes_no_request(hub: FakeHub, tmp_path: Path) -> None:
    cancel = Control()
    cancel.cancel()
    with pytest.raises(DownloadCancelled):
        ensure_downloaded(SHARDS, cache_dir=str(tmp_path / "cache"), control=cancel)
    assert hub.requests == 0


def test_file_missing_on_hub_is_reported(hub: FakeHub, tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailable, match="does not contain: nope.bin"):
        ensure_downloaded(HubFiles(REPO, "main", files=("nope.bin",)), cache_dir=str(tmp_path / "cache"))


def test_hubfiles_rejects_bare_strings_and_empty_specs() -> None:
    with pytest.raises(TypeError):
        HubFiles(REPO, "main", files="config.json")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        HubFiles(REPO, "main")


def test_xet_reporter_feeds_bytes_once_and_marks_xet(tmp_path: Path) -> None:
    """No Xet server here, so drive huggingface_hub's Xet progress reporter directly with our bar class."""
    from types import SimpleNamespace

    from huggingface_hub.utils._xet_progress_reporting import XetDownloadProgressReporter

    reports: list[Progress] = []
    plan = download._Plan(SHA, tmp_path / "snap", (("w.safetensors", 1000),))
    tracker = download._Tracker(reports.append, None, plan)
    tracker.begin("w.safetensors")
    bar_class = type("_Bar", (download._TrackerBar,), {"tracker": tracker})
    with XetDownloadProgressReporter(reconstruction_desc="w", total=1000, log_level=20, tqdm_class=bar_class) as rep:
        assert tracker.xet_active
        for written, received in ((300, 500), (1000, 900)):
            rep.update_progress(SimpleNamespace(
                total_bytes_completed=written, total_transfer_bytes_completed=received, total_bytes=1000,
                total_bytes_completion_rate=1.0, total_transfer_bytes_completion_rate=1.0,
            ))
    assert [r.done for r in reports] == [0, 300, 1000]  # bytes written, network bytes not added on top


def test_cancel_watch_aborts_xet_only_while_xet_downloads(tmp_path: Path, monkeypatch) -> None:
    from huggingface_hub.utils import _xet

    aborted = threading.Event()
    monkeypatch.setattr(_xet, "abort_xet_session", aborted.set)
    plan = download._Plan(SHA, tmp_path / "snap", (("w.safetensors", 1000),))
    for xet, expected in ((False, False), (True, True)):
        aborted.clear()
        cancel = Control()
        tracker = download._Tracker(None, cancel, plan)
        tracker.xet_active = xet
        stop = download._start_cancel_watch(cancel, tracker)
        cancel.cancel()
        assert aborted.wait(1.0 if expected else 0.5) is expected
        stop.set()


def test_unknown_repo_is_reported_not_raised_raw(hub: FakeHub, tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailable, match="no accessible someone/else @ main"):
        ensure_downloaded(HubFiles("someone/else", "main", files=("a.bin",)), cache_dir=str(tmp_path / "cache"))


@pytest.mark.parametrize("name, pretrained", [
    ("hf-hub:laion/CLIP-ViT-B-32-laion2B-s34B-b79K", None),  # an open_clip model on the Hub
    ("ViT-B-32", "laion2b_s34b_b79k"),  # a pretrained tag whose weights live on the Hub
])
def test_openclip_weights_without_network_fail_at_once_saying_so(dead_hub: str, name: str, pretrained: str | None) -> None:
    """huggingface_hub's own retries spent ~50 s and then blamed the model name; the right name must get
    "could not be reached" within seconds."""
    import open_clip  # noqa: F401 - its import alone takes seconds; only the lookup is timed
    from photosearch.encoders.openclip import resolve_openclip
    from photosearch.errors import HubUnreachable

    started = time.monotonic()
    with pytest.raises(HubUnreachable, match="could not be reached") as info:
        resolve_openclip(name, pretrained)
    assert time.monotonic() - started < 5
    assert "check the name" not in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("status", [401, 403])
def test_gated_repo_says_exactly_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, status: int) -> None:
    """Meta's Llama-3.1-8B-Instruct (the SigLIP2 LLM2CLIP text side) is gated: anonymous clients get 401, logged-in
    ones without an accepted licence 403. Either way: one line naming the page, the login and HF_TOKEN."""
    server = FakeHub(REPO, SHA, FILES, refuse=(status, "GatedRepo"))
    point_hub_client_at(server.url, tmp_path, monkeypatch)
    try:
        with pytest.raises(NotOnHub) as info:
            ensure_downloaded(SHARDS, cache_dir=str(tmp_path / "cache"))
    finally:
        server.stop()
        hf_http.close_session()
    message = str(info.value)
    assert "\n" not in message and f"https://huggingface.co/{REPO}" in message
    assert "accept its licence" in message and "hf auth login" in message and "HF_TOKEN" in message
