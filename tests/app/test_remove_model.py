"""Settings lists the library's models; "Remove model..." asks first, then drops the model and its vectors while
indexing steps aside for the moment it takes (issue 10, item 6)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from photosearch.duplicates import vectors_of
from photosearch.factory import create_encoder
from photosearch.store import Store
from tests.app.conftest import AppEnv
from tests.tiny.longclip import write_tiny_longclip
from ui.index_service import IndexState
from ui.settings_dialog import SettingsDialog


def _add_second_model(env: AppEnv) -> str:
    """A second model holding a vector for every photo, as after a finished model switch (no tower loads)."""
    other = create_encoder(f"longclip:{write_tiny_longclip(env.tmp / 'other.pt', seed=3)}", device="cpu")
    with Store.open(env.tmp / "lib.db") as store:
        keys, mat = vectors_of(store, store.models()[0].model_id)
        store.register_model(other.model_id, other.dim, other.spec)
        store.add_embeddings(other.model_id, list(zip(keys.tolist(), mat)))
    return other.model_id


def _remove_in_settings(env: AppEnv, qtbot, monkeypatch, model_id: str, answer) -> list[str]:
    """Open Settings, pick `model_id` in the list, press Remove, answer the question; returns the questions."""
    asked: list[str] = []

    def question(parent, title, text, *args, **kwargs):
        asked.append(text)
        return answer

    def run(dialog: SettingsDialog) -> int:
        rows = [i for i in range(dialog.models.count())
                if dialog.models.item(i).data(Qt.ItemDataRole.UserRole).model_id == model_id]
        assert rows, "the model is not listed"
        dialog.models.setCurrentRow(rows[0])
        assert dialog.remove_model.isEnabled()
        qtbot.mouseClick(dialog.remove_model, Qt.MouseButton.LeftButton)
        return SettingsDialog.DialogCode.Rejected

    monkeypatch.setattr(QMessageBox, "question", question)
    monkeypatch.setattr(SettingsDialog, "exec", run)
    env.window.open_settings()
    return asked


def test_remove_a_model_from_settings_after_confirming(env: AppEnv, qtbot, monkeypatch) -> None:
    w, lib = env.window, env.library
    first = lib.status().models[0]
    second = _add_second_model(env)
    w.refresh_status()
    qtbot.waitUntil(lambda: len(w._models) == 2, timeout=10_000)

    asked = _remove_in_settings(env, qtbot, monkeypatch, second, QMessageBox.StandardButton.No)
    assert len(asked) == 1 and "24 photos" in asked[0] and "only model" not in asked[0]
    assert [m.model_id for m in lib.status().models] == [first.model_id, second]  # said no: nothing happens

    _remove_in_settings(env, qtbot, monkeypatch, second, QMessageBox.StandardButton.Yes)
    qtbot.waitUntil(lambda: [m.model_id for m in lib.status().models] == [first.model_id], timeout=30_000)
    with Store.open(env.tmp / "lib.db") as store:  # its vectors are gone, the first model's all stay
        assert store.counts().embedded_by_model == {first.model_id: 24}
        assert not store.conn.execute("SELECT count(*) FROM embeddings WHERE model_id = ?", (second,)).fetchone()[0]
    qtbot.waitUntil(lambda: w.indexing.status.state == IndexState.RUNNING, timeout=30_000)  # indexing resumed
    qtbot.waitUntil(lambda: len(w._models) == 1, timeout=10_000)

    # the last model with vectors: the question says what that means; indexing stays off until a model is chosen
    asked = _remove_in_settings(env, qtbot, monkeypatch, first.model_id, QMessageBox.StandardButton.Yes)
    assert "only model with vectors" in asked[0]
    qtbot.waitUntil(lambda: not lib.status().models, timeout=30_000)
    # the window hears of it when the background removal reports back, a moment after the library changed
    qtbot.waitUntil(lambda: w.settings.model == "" and w.indexing.status.state == IndexState.STOPPED, timeout=10_000)
