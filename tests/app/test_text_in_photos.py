"""Words inside photos in the app: a search that matches a photo's words shows their boxes over the detail view's
photo where the words are, "Copy text" copies what was read, the Settings toggle is the library's and the app's
indexer follows it, and reading has its own progress line.

The photos are read once per module by `photosearch index` (the shared recognizer; OCR is slow on a CPU); each
test opens a window on its own copy of that library."""
from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from PIL import ImageFont
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage

from indexer import Indexer
from indexer.text_stage import TextConfig
from photosearch.cli import main
from photosearch.progress import Phase, Progress
from tests.app.conftest import FAST, AppEnv, open_window, search, shown_paths
from tests.text_photos import latin_font, plain_photo, text_photo
from tests.tiny.longclip import write_tiny_longclip
from ui.index_service import IndexState, IndexStatus
from ui.photo_preview import PhotoPreview

SIZE = (480, 300)  # text_photo's default: the sign is centred in it
RECEIPT = "CAFE LUNA 12.50"
TICKET = "Museum Ticket"  # stored turned, EXIF orientation 6 turns it back


@dataclass
class TextLib:
    db: Path
    folder: Path
    model: Path
    fonts: dict[str, ImageFont.FreeTypeFont]


@pytest.fixture(scope="module")
def text_lib(tmp_path_factory: pytest.TempPathFactory) -> TextLib:
    root = tmp_path_factory.mktemp("apptext")
    folder = root / "Pictures"
    fonts = {RECEIPT: latin_font(34), TICKET: latin_font(30)}
    text_photo(folder / "receipt.jpg", RECEIPT, fonts[RECEIPT], seed=0)
    text_photo(folder / "ticket.jpg", TICKET, fonts[TICKET], seed=1, exif_orientation=6)
    for i in range(4):
        plain_photo(folder / f"plain{i}.jpg", seed=i)
    model = write_tiny_longclip(root / "m.pt")
    db = root / "lib.db"
    assert main(["--db", str(db), "add", str(folder)]) == 0
    assert main(["--db", str(db), "index", "--model", f"longclip:{model}"]) == 0
    return TextLib(db, folder, model, fonts)


@pytest.fixture
def env(text_lib: TextLib, tmp_path: Path, qtbot):
    for f in text_lib.db.parent.glob("lib.db*"):
        shutil.copy(f, tmp_path / f.name)
    e = open_window(tmp_path, text_lib.folder, text_lib.model, qtbot)
    qtbot.waitUntil(lambda: e.window._indexed == 6, timeout=30_000)
    yield e
    e.window.close()
    e.library.close()


def word_span(text: str, word: str, font: ImageFont.FreeTypeFont) -> tuple[QRectF, float, float]:
    """Where text_photo drew `text` in the upright photo (its ink box), and the x range of `word` in it."""
    left, top, right, bottom = font.getbbox(text)
    pad = max(6, (bottom - top) // 3)
    sign_w, sign_h = right - left + 2 * pad, bottom - top + 2 * pad
    x0, y0 = (SIZE[0] - sign_w) // 2 + pad, (SIZE[1] - sign_h) // 2 + pad
    start = text.index(word)
    return (QRectF(x0, y0, right - left, bottom - top), x0 + font.getlength(text[:start]) - left,
            x0 + font.getlength(text[:start + len(word)]) - left)


def open_detail(env: AppEnv, qtbot, query: str, name: str) -> None:
    search(env, qtbot, query)
    paths = shown_paths(env)
    assert paths and paths[0].endswith(name)
    env.window.show_detail(0)
    qtbot.waitUntil(lambda: bool(env.window.detail.preview.highlight_polygons()), timeout=10_000)


@pytest.mark.parametrize(("query", "name", "text", "word"), [
    ("text:luna", "receipt.jpg", RECEIPT, "LUNA"),
    ("museum ticket", "ticket.jpg", TICKET, "Ticket"),  # a plain query: matched through the fusion; EXIF-turned
])
def test_matched_words_are_boxed_where_they_are_in_the_photo(env: AppEnv, text_lib: TextLib, qtbot, query, name,
                                                             text, word) -> None:
    preview = env.window.detail.preview
    open_detail(env, qtbot, query, name)
    # where the photo lands in the preview, computed here from the widget's size, not asked of the widget
    scale = min(preview.width() / SIZE[0], preview.height() / SIZE[1])
    ox, oy = (preview.width() - SIZE[0] * scale) / 2, (preview.height() - SIZE[1] * scale) / 2
    ink, x_start, x_end = word_span(text, word, text_lib.fonts[text])
    polygons = preview.highlight_polygons()
    boxes = [p.boundingRect() for p in polygons]
    assert len(boxes) == (2 if word == "Ticket" else 1)  # "museum ticket" matches both words
    box = max(boxes, key=lambda b: b.center().x()) if word == "Ticket" else boxes[0]
    tol = 8 * scale
    # the box sits on the line of text (height and vertical centre), over the word, not the whole line
    assert abs(box.center().y() - (oy + ink.center().y() * scale)) < tol
    assert box.height() < (ink.height() + 16) * scale
    assert oy + (ink.top() - 8) * scale < box.top() and box.bottom() < oy + (ink.bottom() + 8) * scale
    assert ox + (x_start - 8) * scale < box.center().x() < ox + (x_end + 8) * scale
    assert box.width() < (x_end - x_start + 16) * scale
    # the recognised text is listed, unfolded, because the photo matched by it
    detail = env.window.detail
    assert detail.text_area.isVisible() and text in detail.text_area.toPlainText()
    # the boxes follow the photo when the window changes size
    env.window.resize(env.window.width() + 400, env.window.height() + 300)
    qtbot.waitUntil(lambda: preview.highlight_polygons()[0].boundingRect() != boxes[0], timeout=5_000)
    new_scale = min(preview.width() / SIZE[0], preview.height() / SIZE[1])
    assert new_scale > scale * 1.1
    now = max((p.boundingRect() for p in preview.highlight_polygons()), key=lambda b: b.center().x())
    assert abs(now.width() - box.width() * new_scale / scale) < 2


def test_copy_text_puts_the_words_on_the_clipboard(env: AppEnv, qtbot) -> None:
    detail = env.window.detail
    open_detail(env, qtbot, "text:luna", "receipt.jpg")
    QGuiApplication.clipboard().clear()
    assert detail.buttons["copy_text"].isEnabled()
    qtbot.mouseClick(detail.buttons["copy_text"], Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text()
    assert copied == env.library.photo_text(detail.result.path).text and "LUNA" in copied.upper()
    # a photo without words: nothing to copy, nothing boxed, and the view says there is no text
    rows = [r for r in range(env.window.results.rowCount()) if "plain" in env.window.results.result(r).path]
    if not rows:
        search(env, qtbot, "a photo")
        rows = [r for r in range(env.window.results.rowCount()) if "plain" in env.window.results.result(r).path]
    env.window.show_detail(rows[0])
    qtbot.waitUntil(lambda: detail.text_toggle.text().endswith("none"), timeout=10_000)
    assert not detail.buttons["copy_text"].isEnabled() and not detail.text_area.isVisible()
    assert detail.preview.highlight_polygons() == []


def test_results_say_which_words_matched(env: AppEnv, qtbot) -> None:
    search(env, qtbot, "text:luna")
    tip = env.window.results.data(env.window.results.index(0), Qt.ItemDataRole.ToolTipRole)
    assert "luna" in tip


def test_the_panel_shows_how_many_photos_were_read(env: AppEnv, qtbot) -> None:
    panel = env.window.panel
    qtbot.waitUntil(lambda: panel.text_state.text().startswith("Text: 6 of 6 photos read, 2 with text"),
                    timeout=10_000)


def test_reading_text_has_its_own_progress_line(qtbot) -> None:
    from ui.library_panel import LibraryPanel

    panel = LibraryPanel()
    qtbot.addWidget(panel)
    panel.set_index_status(IndexStatus(IndexState.RUNNING))
    panel.set_progress(Progress(Phase.INDEX, 4, 10))
    panel.set_progress(Progress(Phase.TEXT, 3, 12, rate=1.5, eta_s=6))
    assert panel.text_state.text().startswith("Reading words in photos: 3 of 12") and "1.5 photos/s" in \
        panel.text_state.text()
    assert panel.state.text().startswith("Indexing: 4 of 10") and panel.text_running  # the embedding line stays
    panel.set_progress(Progress(Phase.TEXT, 12, 12))
    assert not panel.text_running and "12 of 12" in panel.text_state.text()
    panel.set_index_status(IndexStatus(IndexState.STOPPED))  # a report queued by a reader that was stopped
    panel.set_progress(Progress(Phase.TEXT, 5, 12))
    assert not panel.text_running and "12 of 12" in panel.text_state.text()


def test_preview_maps_boxes_from_full_size_photo_onto_a_smaller_preview(qtbot) -> None:
    """The preview image is a thumbnail; boxes are in the full-size photo's pixels."""
    preview = PhotoPreview()
    qtbot.addWidget(preview)
    preview.resize(500, 500)
    preview.show()
    image = QImage(240, 150, QImage.Format.Format_RGB32)  # half of the 480 x 300 photo
    image.fill(0)
    preview.show_image(image, (480, 300))
    preview.set_boxes([((100, 50), (200, 50), (200, 80), (100, 80))])
    rect = preview.image_rect()
    assert rect.width() == 500 and abs(rect.height() - 312.5) <= 1 and abs(rect.top() - 94) <= 1
    box = preview.highlight_polygons()[0].boundingRect()
    s = 500 / 480
    for got, want in ((box.left(), 100 * s), (box.right(), 200 * s), (box.top(), rect.top() + 50 * s),
                      (box.bottom(), rect.top() + 80 * s)):
        assert abs(got - want) < 1.0
    preview.show_message("Loading")
    assert preview.highlight_polygons() == []


def test_settings_toggle_is_the_librarys_and_indexing_follows_it(tmp_path: Path, qtbot, monkeypatch) -> None:
    from ui.settings_dialog import SettingsDialog

    folder = tmp_path / "Pictures"
    for i in range(2):
        plain_photo(folder / f"plain{i}.jpg", seed=i)
    opened: list[Indexer] = []
    real_open = Indexer.open

    def spy(*a, **kw) -> Indexer:
        opened.append(real_open(*a, **kw))
        return opened[-1]

    monkeypatch.setattr("ui.index_service.Indexer.open", spy)
    config = replace(FAST, text=TextConfig(idle_poll_s=0.2))
    env = open_window(tmp_path, folder, write_tiny_longclip(tmp_path / "m.pt"), qtbot, index_config=config)
    w = env.window
    seen: list[Progress] = []
    w.indexing.progress.connect(seen.append)
    try:
        qtbot.waitUntil(lambda: w._reads_text is True and w.indexing.status.state == IndexState.RUNNING,
                        timeout=30_000)
        assert opened[-1].config.text.enabled

        def choose(on: bool):
            def accept(dialog: SettingsDialog) -> int:
                assert dialog.read_text.isEnabled() and dialog.read_text.isChecked() != on
                dialog.read_text.setChecked(on)
                return SettingsDialog.DialogCode.Accepted
            return accept

        monkeypatch.setattr(SettingsDialog, "exec", choose(False))
        n = len(opened)
        w.open_settings()
        qtbot.waitUntil(lambda: len(opened) > n and w.indexing.status.state == IndexState.RUNNING, timeout=30_000)
        assert not env.library.reads_text and not opened[-1].config.text.enabled
        receipt = text_photo(folder / "receipt.jpg", RECEIPT, latin_font(34))
        qtbot.waitUntil(lambda: w._indexed == 3, timeout=30_000)  # embedded; its words are not read
        assert env.library.photo_text(receipt) is None
        assert "turned off" in w.panel.text_state.text()

        monkeypatch.setattr(SettingsDialog, "exec", choose(True))
        n = len(opened)
        w.open_settings()
        qtbot.waitUntil(lambda: len(opened) > n, timeout=30_000)
        assert env.library.reads_text and opened[-1].config.text.enabled
        qtbot.waitUntil(lambda: env.library.photo_text(receipt) is not None, timeout=60_000)
        assert "LUNA" in env.library.photo_text(receipt).text.upper()
        assert any(p.phase == Phase.TEXT for p in seen)
        qtbot.waitUntil(lambda: w.panel.text_state.text().startswith("Text: 3 of 3 photos read, 1 with text"),
                        timeout=10_000)
    finally:
        w.close()
        env.library.close()
