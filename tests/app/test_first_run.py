"""The first run against a local fake model source: folders, a model with its costs on this machine, the download
with byte progress, cancel and resume; offline, the missing files named and a local model folder instead."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWizard

from photosearch.catalog import DeviceKind, default_model
from photosearch.factory import PRESETS_ENV_VAR, list_presets
from tests.fake_hub import FakeHub, point_hub_client_at
from tests.index_helpers import make_photos
from tests.tiny.longclip import write_tiny_longclip
from ui.first_run import FirstRunWizard

REPO = "photosearch-test/tiny-longclip"
SHA = "89abcdef0123456789abcdef0123456789abcdef"


@pytest.fixture
def tiny_preset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A preset named `tiny-test` in $PHOTOSEARCH_PRESETS_DIR whose weights live on the fake hub."""
    folder = tmp_path / "presets"
    folder.mkdir()
    (folder / "tiny-test.json").write_text(json.dumps({
        "kind": "longclip", "description": "tiny random Long-CLIP for tests",
        "card": {"title": "Tiny test model", "multilingual": False, "max_words": 246, "download_gb": 0.01,
                 "photos_per_s": {"cpu_2_cores": 50, "gpu": 500}},
        "parts": {"weights": {"repo_id": REPO, "revision": SHA, "files": ["tiny.pt"]}},
    }))
    monkeypatch.setenv(PRESETS_ENV_VAR, str(folder))
    return write_tiny_longclip(tmp_path / "tiny.pt")


def _wizard(qtbot, tmp_path: Path) -> FirstRunWizard:
    photos = tmp_path / "Pictures"
    make_photos(photos, 5)
    wizard = FirstRunWizard(list_presets())
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.folders_page.list.clear()
    wizard.folders_page.add_folder(str(photos))
    qtbot.waitUntil(lambda: wizard.folders_page.photos == 5, timeout=10_000)
    assert "5 photos found" in wizard.folders_page.count.text()
    wizard.next()
    picker = wizard.model_page.picker
    qtbot.waitUntil(lambda: picker.device is not None, timeout=30_000)  # detected off the GUI thread
    assert picker.device == DeviceKind.CPU  # the CI machines have no GPU
    assert "no GPU" in picker.machine.text() and "hours" in picker.machine.text()
    llm = picker.details["llm2clip-1b"].text()
    assert "any language" in llm and "507 words" in llm and "5.7 GB" in llm and "to index your 5 photos" in llm
    assert "English only" in picker.details["longclip-b"].text()
    # the machine's default is preselected, with the trade-off in one line (the CLI's default is the same)
    assert picker.spec() == default_model("cpu") == "openclip-xlmr-b32"
    reason = picker.reason.text()
    assert "CLIP B/32 + XLM-R" in reason and "10,000 photos" in reason and "any language" in reason
    assert "LLM2CLIP" in reason and "English only" in reason
    assert "llm2clip-8b-openai" not in picker.buttons  # a name's former meaning is not offered
    return wizard


def test_first_run_downloads_the_chosen_model_with_progress(tiny_preset: Path, tmp_path: Path, qtbot, monkeypatch) -> None:
    hub = FakeHub(REPO, SHA, {"tiny.pt": tiny_preset.read_bytes()})
    point_hub_client_at(hub.url, tmp_path, monkeypatch)
    try:
        wizard = _wizard(qtbot, tmp_path)
        wizard.model_page.picker.select("tiny-test")
        page = wizard.download_page
        values: list[int] = []
        page.bar.valueChanged.connect(values.append)
        wizard.next()
        qtbot.waitUntil(lambda: page.done, timeout=30_000)
        assert values and values[-1] == 1000 and "ready" in page.label.text()
        wizard.accept()
        assert wizard.result() == QWizard.DialogCode.Accepted
        assert wizard.model_spec() == "tiny-test" and wizard.folders() == [str(tmp_path / "Pictures")]
        assert any(e[0] == "http GET" and e[1].endswith("/tiny.pt") for e in hub.events)
    finally:
        hub.stop()


def test_offline_names_the_missing_files_and_a_local_folder_works(
    tiny_preset: Path, tmp_path: Path, qtbot, monkeypatch
) -> None:
    import socket

    with socket.socket() as s:  # nothing listens there: no network
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    point_hub_client_at(dead, tmp_path, monkeypatch)
    wizard = _wizard(qtbot, tmp_path)
    wizard.model_page.picker.select("tiny-test")
    page = wizard.download_page
    wizard.next()
    qtbot.waitUntil(lambda: page.retry.isVisible(), timeout=30_000)
    text = page.label.text()
    assert "could not reach" in text and "tiny.pt" in text and REPO in text and "local model folder" in text
    assert not page.isComplete()
    # the alternative: the same file downloaded by hand into a folder
    manual = tmp_path / "manual"
    manual.mkdir()
    (manual / "tiny.pt").write_bytes(tiny_preset.read_bytes())
    wizard.back()
    monkeypatch.setattr("ui.model_picker.QFileDialog.getExistingDirectory", lambda *a, **k: str(manual))
    [b for b in wizard.model_page.picker.findChildren(type(page.retry)) if "local model" in b.text()][0].click()
    assert wizard.model_spec() == f"longclip:{manual / 'tiny.pt'}"
    wizard.next()
    qtbot.waitUntil(lambda: page.done, timeout=10_000)  # nothing to download


def test_cancel_mid_download_then_resume(tiny_preset: Path, tmp_path: Path, qtbot, monkeypatch) -> None:
    big = tiny_preset.read_bytes()
    hub = FakeHub(REPO, SHA, {"tiny.pt": big})
    point_hub_client_at(hub.url, tmp_path, monkeypatch)
    try:
        wizard = _wizard(qtbot, tmp_path)
        wizard.model_page.picker.select("tiny-test")
        page = wizard.download_page
        cancelled = []

        def cancel_once(p) -> None:
            if not cancelled and 0 < p.done < p.total:
                cancelled.append(p.done)
                page.cancel.click()

        page.bridge.progress.connect(cancel_once)
        wizard.next()
        qtbot.waitUntil(lambda: page.retry.isVisible(), timeout=30_000)
        assert cancelled and "cancelled" in page.label.text() and not page.done
        page.retry.click()
        qtbot.waitUntil(lambda: page.done, timeout=30_000)
    finally:
        hub.stop()


def test_with_a_gpu_llm2clip_is_preselected_and_says_why(qtbot) -> None:
    from ui.model_picker import ModelPicker

    picker = ModelPicker(list_presets())
    qtbot.addWidget(picker)
    picker.set_machine(DeviceKind.CUDA, 1000)
    assert picker.spec() == default_model("cuda") == "llm2clip-1b"
    assert "GPU" in picker.reason.text() and "LLM2CLIP" in picker.reason.text()
    assert "recommended" in picker.buttons["llm2clip-1b"].text()
