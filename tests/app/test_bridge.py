"""A background task that finishes after its window closed (its signals object deleted with it) ends quietly:
under load, a status read finished after the window and the library had closed and raised in a worker."""
from __future__ import annotations

import logging

import shiboken6

from ui.bridge import TaskSignals, _Task


def _raise() -> None:
    raise ValueError("the library was closed meanwhile")


def test_a_task_outliving_its_window_neither_raises_nor_logs_a_bug(qapp, caplog) -> None:
    for fn in (lambda: 42, _raise):
        signals = TaskSignals()
        task = _Task(fn, signals)
        shiboken6.delete(signals)
        task.run()  # raised RuntimeError("Signal source has been deleted") before
    assert "background task failed" not in caplog.text


def test_a_live_window_still_hears_of_failures(qapp, caplog) -> None:
    heard: list[str] = []
    signals = TaskSignals()
    signals.failed.connect(heard.append)
    _Task(_raise, signals).run()
    assert heard and "ValueError" in heard[0] and "background task failed" in caplog.text


def test_a_task_failing_after_its_window_closed_is_not_logged_as_a_bug(qtbot, caplog) -> None:
    """The app's status read, still running when the window closes and the library closes under it."""
    from PySide6.QtWidgets import QWidget

    caplog.set_level(logging.INFO, logger="ui.bridge")
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    signals = TaskSignals(window)
    window.close()
    _Task(_raise, signals).run()
    assert "background task failed" not in caplog.text and "after its window closed" in caplog.text
