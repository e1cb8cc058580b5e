"""The indexer's text stage: progress in `status`, `--no-text` and the library setting, resuming after a crash
without reading committed batches again, and an engine upgrade reading everything again."""
from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from indexer.text_stage import TextConfig, TextStage
from photosearch.cli import main
from photosearch.library import Library
from photosearch.ocr import Recognizer
from photosearch.store import Store
from tests.index_helpers import wait_until
from tests.text_photos import latin_font, plain_photo, text_photo
from tests.tiny.longclip import write_tiny_longclip


class CountingRecognizer:
    """The real shared recognizer, counting the photos it reads; `die_after` simulates a kill mid-run."""

    def __init__(self, die_after: int | None = None, engine: str | None = None) -> None:
        self.inner = Recognizer.shared()
        self.engine = engine or self.inner.engine
        self.paths: list[str] = []
        self.die_after = die_after

    def read_file(self, path, quick=None):
        if self.die_after is not None and len(self.paths) >= self.die_after:
            raise KeyboardInterrupt("killed")
        self.paths.append(str(path))
        result = self.inner.read_file(path, quick)
        return type(result)(result.status, result.lines, self.engine, result.error)


@pytest.fixture
def small_library(tmp_path: Path, capsys) -> tuple[str, Path]:
    folder = tmp_path / "Pictures"
    text_photo(folder / "sign.jpg", "OPEN DAILY", latin_font(34), seed=1)
    for i in range(6):
        plain_photo(folder / f"plain{i}.jpg", seed=10 + i)
    db = str(tmp_path / "lib.db")
    model = write_tiny_longclip(tmp_path / "m.pt")
    assert main(["--db", db, "add", str(folder)]) == 0
    assert main(["--db", db, "index", "--no-text", "--model", f"longclip:{model}"]) == 0
    capsys.readouterr()
    return db, model


def _status(db: str, capsys) -> dict:
    capsys.readouterr()
    assert main(["--db", db, "status", "--json"]) == 0
    return json.loads(capsys.readouterr().out)["text"]


def test_no_text_skips_the_stage_and_status_shows_progress(small_library, capsys) -> None:
    db, model = small_library
    assert _status(db, capsys) | {"engine": None} == {"enabled": True, "read": 0, "total": 7, "with_text": 0,
                                                       "failed": 0, "engine": None, "unavailable": None}
    assert main(["--db", db, "index"]) == 0
    assert "text: 7 photos read, 1 with text" in capsys.readouterr().out
    st = _status(db, capsys)
    assert (st["read"], st["total"], st["with_text"]) == (7, 7, 1)
    assert main(["--db", db, "status"]) == 0
    assert "text: 7 of 7 photos read, 1 with text, 0 failed" in capsys.readouterr().out


def test_a_killed_run_resumes_without_reading_committed_batches_again(small_library) -> None:
    db, _ = small_library
    store = Store.open(db)
    try:
        dying = CountingRecognizer(die_after=5)
        with pytest.raises(KeyboardInterrupt):
            TextStage(store, TextConfig(batch_size=2), lambda: dying).run()
        committed = store.text_progress(dying.engine).read
        assert committed == 4  # two whole batches; the third died half read and left nothing
        again = CountingRecognizer()
        result = TextStage(store, TextConfig(batch_size=2), lambda: again).run()
        assert result.done == 3 and not set(again.paths) & set(dying.paths[:4])
        assert store.text_progress(again.engine).read == 7
    finally:
        store.close()


def test_an_engine_upgrade_reads_every_photo_again(small_library) -> None:
    db, _ = small_library
    store = Store.open(db)
    try:
        TextStage(store, TextConfig(), lambda: CountingRecognizer()).run()
        assert TextStage(store, TextConfig(), lambda: CountingRecognizer()).run().total == 0
        newer = CountingRecognizer(engine="rapidocr 99.0 test")
        assert TextStage(store, TextConfig(), lambda: newer).run().done == 7
        assert len(newer.paths) == 7
        assert store.rank_text(["open"], 5)  # the words are still found after being read again
    finally:
        store.close()


def test_the_library_setting_turns_reading_off_for_every_indexer(small_library, capsys) -> None:
    db, _ = small_library
    with Library.open(db) as lib:
        lib.set_reads_text(False)
    assert main(["--db", db, "index"]) == 0
    out = capsys.readouterr().out
    assert "text:" not in out
    st = _status(db, capsys)
    assert st["enabled"] is False and st["read"] == 0


def test_watch_reads_text_in_the_background(small_library) -> None:
    from indexer import Indexer

    db, _ = small_library
    with Library.open(db) as lib, Indexer.open(lib) as indexer:
        stop = threading.Event()
        worker = threading.Thread(target=indexer.watch, args=(stop,), daemon=True)
        worker.start()
        try:
            wait_until(lambda: lib.status().text.read == 7, timeout=120, what="the text of 7 photos read")
        finally:
            stop.set()
            worker.join(60)
        assert not worker.is_alive()
        assert lib.status().text.with_text == 1
