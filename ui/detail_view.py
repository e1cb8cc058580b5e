"""One photo, large: the preview, what the library knows about it, and what to do with it.

When a search matched words inside the photo, their boxes are drawn over the preview (`ui.photo_preview`); the
words read in the photo are listed under "Text in photo", and "Copy text" puts them on the clipboard."""
from __future__ import annotations

import os

from typing import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication, QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from photosearch.library import PhotoDetails
from photosearch.ocr import TextStatus
from photosearch.pathtext import display_path
from photosearch.search import SearchResult
from photosearch.text_search import PhotoText
from ui.photo_preview import Box, PhotoPreview

PREVIEW_PX = 1600


def human_size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


class DetailView(QWidget):
    back = Signal()
    navigate = Signal(int)  # -1 previous, +1 next
    find_similar = Signal(str)
    open_file = Signal(str)
    reveal_file = Signal(str)
    copy_path = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result: SearchResult | None = None
        self.photo_text: PhotoText | None = None
        self.preview = PhotoPreview()
        self.fields: dict[str, QLabel] = {}
        form = QFormLayout()
        for key, label in (("name", self.tr("Name")), ("date", self.tr("Taken")), ("camera", self.tr("Camera")),
                           ("dimensions", self.tr("Dimensions")), ("size", self.tr("File size")),
                           ("score", self.tr("Similarity")), ("gps", self.tr("Location")), ("path", self.tr("Path"))):
            value = QLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[key] = value
            form.addRow(label, value)
        self.buttons = {
            "back": QPushButton(self.tr("\u2190 Back to results")),
            "open": QPushButton(self.tr("Open")),
            "reveal": QPushButton(self.tr("Show in folder")),
            "copy": QPushButton(self.tr("Copy path")),
            "similar": QPushButton(self.tr("Find similar")),
            "copy_text": QPushButton(self.tr("Copy text")),
        }
        self.buttons["copy_text"].setToolTip(self.tr("Put the words read in this photo on the clipboard"))
        self.buttons["copy_text"].clicked.connect(self.copy_text)
        self.text_toggle = QToolButton()
        self.text_toggle.setCheckable(True)
        self.text_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.text_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.text_toggle.setAutoRaise(True)
        self.text_toggle.toggled.connect(self._show_text_area)
        self.text_area = QPlainTextEdit()
        self.text_area.setReadOnly(True)
        self.text_area.setAccessibleName(self.tr("Text in photo"))
        self.text_area.setMaximumHeight(160)
        self.text_area.hide()
        self.buttons["back"].clicked.connect(self.back)
        self.buttons["open"].clicked.connect(lambda: self.result and self.open_file.emit(self.result.path))
        self.buttons["reveal"].clicked.connect(lambda: self.result and self.reveal_file.emit(self.result.path))
        self.buttons["copy"].clicked.connect(lambda: self.result and self.copy_path.emit(self.result.path))
        self.buttons["similar"].clicked.connect(lambda: self.result and self.find_similar.emit(self.result.path))

        side = QVBoxLayout()
        side.addLayout(form)
        side.addWidget(self.text_toggle)
        side.addWidget(self.text_area)
        side.addStretch(1)
        for key in ("open", "reveal", "copy", "copy_text", "similar"):
            side.addWidget(self.buttons[key])
        side_widget = QWidget()
        side_widget.setLayout(side)
        side_widget.setFixedWidth(300)
        body = QHBoxLayout()
        body.addWidget(self.preview, 1)
        body.addWidget(side_widget)
        top = QHBoxLayout()
        top.addWidget(self.buttons["back"])
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(body, 1)
        for key, action in ((Qt.Key.Key_Escape, self.back.emit), (Qt.Key.Key_Backspace, self.back.emit),
                            (Qt.Key.Key_Left, lambda: self.navigate.emit(-1)),
                            (Qt.Key.Key_Right, lambda: self.navigate.emit(1))):
            QShortcut(QKeySequence(key), self, activated=action, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def show_result(self, result: SearchResult) -> None:
        self.result = result
        self.preview.show_message(self.tr("Loading\u2026"))
        self.show_text(result.path, None, (), read=False)
        self.fields["name"].setText(display_path(os.path.basename(result.path)))
        self.fields["path"].setText(display_path(result.path))
        self.fields["score"].setText(f"{result.score:.3f}")
        self.fields["size"].setText(human_size(result.size))
        self.fields["date"].setText(result.taken_at.strftime("%Y-%m-%d %H:%M") if result.taken_at else self.tr("unknown"))
        dims = f"{result.width} \u00d7 {result.height}" if result.width and result.height else ""
        self.fields["dimensions"].setText(dims)
        for key in ("camera", "gps"):
            self.fields[key].setText("")

    def show_details(self, details: PhotoDetails | None) -> None:
        if details is None or self.result is None or details.path != self.result.path:
            return
        self.fields["camera"].setText(details.camera or self.tr("unknown"))
        self.fields["gps"].setText(f"{details.gps[0]:.5f}, {details.gps[1]:.5f}" if details.gps else self.tr("none"))
        if details.taken_at and details.taken_at_source == "mtime":
            self.fields["date"].setText(details.taken_at.strftime("%Y-%m-%d %H:%M") + " " + self.tr("(file date)"))

    def show_image(self, path: str, image: QImage | None, reason: str = "") -> None:
        if self.result is None or path != self.result.path:
            return
        if image is None:
            self.preview.show_message(self.tr("The file is missing") if reason == "missing" else
                                      self.tr("This photo cannot be shown: {0}").format(reason))
            return
        self.preview.show_image(image, (self.result.width, self.result.height))

    def show_text(self, path: str, text: PhotoText | None, boxes: Sequence[Box], read: bool = True) -> None:
        """The words read in the photo at `path` (None: not read yet) and the boxes of the words the search
        matched. `read=False`: still asking the library."""
        if self.result is None or path != self.result.path:
            return
        self.photo_text = text if text is not None and text.status == TextStatus.TEXT and text.lines else None
        self.preview.set_boxes(boxes)
        if self.photo_text is not None:
            label = self.tr("Text in photo")
            self.text_area.setPlainText(self.photo_text.text)
        else:
            label = (self.tr("Text in photo") if not read else
                     self.tr("Text in photo: not read yet") if text is None else
                     self.tr("Text in photo: could not be read") if text.status == TextStatus.FAILED else
                     self.tr("Text in photo: none"))
            self.text_area.clear()
        self.text_toggle.setText(label)
        self.text_toggle.setEnabled(self.photo_text is not None)
        self.buttons["copy_text"].setEnabled(self.photo_text is not None)
        self.text_toggle.setChecked(self.photo_text is not None and bool(boxes))  # matched by its words: show them
        self._show_text_area(self.text_toggle.isChecked())

    def copy_text(self) -> None:
        if self.photo_text is not None:
            QGuiApplication.clipboard().setText(self.photo_text.text)

    def _show_text_area(self, shown: bool) -> None:
        shown = shown and self.photo_text is not None
        self.text_toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.text_area.setVisible(shown)
