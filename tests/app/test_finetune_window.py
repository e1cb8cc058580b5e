"""The Fine-tune window, driven as a person would: an album, a recipe, Start; progress and loss; Stop and resume;
the before/after table; one click to search with the result, which the library then backfills."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from finetune.run import MODEL_DIR
from finetune.synthetic import make_album
from photosearch.progress import Phase
from tests.app.conftest import AppEnv, indexed_count
from tests.tiny.longclip import write_tiny_longclip
from ui.finetune_window import FinetuneWindow


@pytest.fixture
def album(tmp_path: Path) -> Path:
    make_album(tmp_path / "album", 24, seed=3, size=32)
    return tmp_path / "album"


def _open(tmp_path: Path, qtbot, current_model: str) -> FinetuneWindow:
    window = FinetuneWindow(current_model, out_root=tmp_path / "runs")
    qtbot.addWidget(window)
    window.show()
    return window


def _choose_album(window: FinetuneWindow, qtbot, album: Path) -> None:
    window.album.setText(str(album))
    window.album.editingFinished.emit()
    qtbot.waitUntil(lambda: "train" in window.album_info.text(), timeout=30_000)


def test_train_from_the_window_then_search_with_the_result(tmp_path: Path, qtbot, album: Path) -> None:
    base = f"longclip:{write_tiny_longclip(tmp_path / 'm.pt', image_size=32, patch_size=8)}"
    window = _open(tmp_path, qtbot, base)
    assert window.chosen_recipe.value == "longclip" and window.base.text() == base  # the library's own model
    assert window.epochs.value() == 6.0  # the reference recipe's epochs
    _choose_album(window, qtbot, album)
    assert "24 captions of 24 photos" in window.album_info.text()
    assert window.estimate.text()  # a tiny local model has no card: measured once training runs
    losses: list[float] = []
    window.bridge.progress.connect(lambda p: p.phase == Phase.TRAIN and p.loss is not None and losses.append(p.loss))
    qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
    assert not window.start_button.isEnabled() and window.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: window.use_button.isVisible(), timeout=120_000)
    assert losses and window.plot.losses[: len(losses)] == losses
    assert window.table.isVisible() and window.table.rowCount() >= 4
    assert window.table.verticalHeaderItem(0).text() == "long t2i"
    out = Path(window.out.text())
    assert window.status.text().startswith("Done") and str(out / MODEL_DIR) in window.status.text()
    with qtbot.waitSignal(window.use_model) as used:
        qtbot.mouseClick(window.use_button, Qt.MouseButton.LeftButton)
    assert used.args == [str(out / MODEL_DIR)]


def test_stop_then_start_resumes_the_same_run(tmp_path: Path, qtbot, album: Path) -> None:
    base = f"longclip:{write_tiny_longclip(tmp_path / 'm.pt', image_size=32, patch_size=8)}"
    window = _open(tmp_path, qtbot, base)
    _choose_album(window, qtbot, album)
    window.epochs.setValue(20)
    window.bridge.progress.connect(lambda p: p.phase == Phase.TRAIN and p.done == 2 and window.cancel())
    qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.start_button.isEnabled(), timeout=120_000)
    assert "Stopped at step" in window.status.text() and "resume" in window.status.text()
    assert (Path(window.out.text()) / "checkpoint.pt").is_file()
    window.bridge.progress.disconnect()
    window.bridge.progress.connect(window._progress)
    qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
    assert window.status.text() == "Resuming\u2026"
    qtbot.waitUntil(lambda: window.use_button.isVisible(), timeout=120_000)


def test_a_bad_album_or_base_is_one_line_in_the_window(tmp_path: Path, qtbot) -> None:
    window = _open(tmp_path, qtbot, "")
    window.album.setText(str(tmp_path / "missing"))
    window.album.editingFinished.emit()
    qtbot.waitUntil(lambda: "no folder or manifest" in window.album_info.text(), timeout=10_000)
    empty = tmp_path / "empty"
    empty.mkdir()
    window.album.setText(str(empty))
    window.base.setText("longclip:" + str(tmp_path / "nothing.pt"))
    qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.start_button.isEnabled(), timeout=30_000)  # it stopped at the first problem
    message = window.status.text()
    assert "album" in message and "\n" not in message and "unexpected" not in message
    assert not window.use_button.isVisible()


def test_the_main_window_opens_it_and_switches_to_the_trained_model(env: AppEnv, qtbot, tmp_path: Path) -> None:
    from photosearch.models import load_model

    trained = load_model(f"longclip:{env.model}").save(tmp_path / "trained")  # stands for a finished run
    env.window.open_finetune()
    finetune = env.window.finetune
    assert finetune is not None and finetune.isVisible()
    assert finetune.base.text() == f"longclip:{env.model}"
    finetune.use_model.emit(str(trained))
    assert env.window.settings.model == str(trained) and env.window.search.model == str(trained)
    # the library backfills the new model beside the old one
    qtbot.waitUntil(lambda: any(m.spec == str(trained) and m.complete for m in env.library.status().models),
                    timeout=60_000)
    assert indexed_count(env.library) == 24


@pytest.mark.parametrize("recipe", ["llm2clip-stage1", "llm2clip-stage2"])
def test_the_llm2clip_recipes_run_from_the_window_too(recipe: str, tmp_path: Path, qtbot, album: Path) -> None:
    from tests.tiny.eva import TinyEva, write_tiny_checkpoint
    from tests.tiny.llama import build_tiny_llama

    llm = build_tiny_llama(tmp_path / "llm", hidden_size=64)
    eva = write_tiny_checkpoint(tmp_path / "eva.pt", TinyEva(image_size=32, output_dim=64, llm_dim=64))
    base = f"llm2clip:{eva}+{llm}"
    window = _open(tmp_path, qtbot, base)
    window.recipe.setCurrentIndex(window.recipe.findData(recipe))
    assert window.base.text() == base  # the library's LLM2CLIP model suits both stages
    _choose_album(window, qtbot, album)
    window.epochs.setValue(1)
    qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.use_button.isVisible(), timeout=120_000)
    rows = [window.table.verticalHeaderItem(r).text() for r in range(window.table.rowCount())]
    assert ("captions short→long" in rows) == (recipe == "llm2clip-stage1") and "long t2i" in rows
    assert (Path(window.out.text()) / MODEL_DIR / "llm" / "model.safetensors").is_file()
