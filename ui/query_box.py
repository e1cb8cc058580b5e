"""The query box: a paragraph editor where Enter searches and Shift+Enter starts a new line; pasting or dropping
a photo makes it the example to search by, and the chip beside the text shows (and drops) that example."""
from __future__ import annotations

import os
import tempfile

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QImage, QKeyEvent, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QToolButton, QWidget

from photosearch.images import is_supported
from photosearch.pathtext import display_path


def image_paths(mime: QMimeData) -> list[str]:
    """Local photo files among dropped or pasted URLs."""
    return [u.toLocalFile() for u in mime.urls() if u.isLocalFile() and is_supported(u.toLocalFile())]


def save_pasted_image(image: QImage) -> str:
    """A pasted image (a screenshot, a copy from a browser) becomes a temporary PNG to search by."""
    fd, path = tempfile.mkstemp(prefix="photosearch-pasted-", suffix=".png")
    os.close(fd)
    image.save(path, "PNG")
    return path


class QueryBox(QPlainTextEdit):
    submitted = Signal()
    example_given = Signal(str)  # a photo pasted or dropped into the box

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(self.tr(
            "Describe the photo you are looking for, in any language and as long as you like: "
            "\u201cthe kid in the yellow raincoat jumping into a puddle next to a red bicycle, late afternoon\u201d"
        ))
        self.setTabChangesFocus(True)
        self.setAccessibleName(self.tr("Search query"))

    def sizeHint(self) -> QSize:
        line = self.fontMetrics().lineSpacing()
        return QSize(600, 3 * line + 16)

    def minimumSizeHint(self) -> QSize:
        return QSize(200, 2 * self.fontMetrics().lineSpacing() + 12)

    def query(self) -> str:
        return self.toPlainText().strip()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (event.modifiers() & Qt.KeyboardModifier.ShiftModifier):
            self.submitted.emit()
            return
        super().keyPressEvent(event)

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return bool(image_paths(source)) or source.hasImage() or super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:
        photos = image_paths(source)
        if photos:
            self.example_given.emit(photos[0])
        elif source.hasImage() and not source.hasText():
            self.example_given.emit(save_pasted_image(QImage(source.imageData())))
        else:
            self.insertPlainText(source.text())  # plain text only: no rich text in a query


class ExampleChip(QWidget):
    """The photo being searched by, with a button that drops it from the query."""

    cleared = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path: str | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.picture = QLabel()
        self.picture.setFixedSize(56, 56)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.name = QLabel()
        self.name.setMaximumWidth(160)
        clear = QToolButton()
        clear.setText("\u2715")
        clear.setToolTip(self.tr("Stop searching by this photo"))
        clear.setAccessibleName(self.tr("Remove example photo"))
        clear.clicked.connect(self.clear)
        layout.addWidget(self.picture)
        layout.addWidget(self.name)
        layout.addWidget(clear)
        self.hide()

    def set_example(self, path: str) -> None:
        self.path = path
        self.name.setText(self.fontMetrics().elidedText(display_path(os.path.basename(path)), Qt.TextElideMode.ElideMiddle, 150))
        self.name.setToolTip(self.tr("Searching by {0}; text you type refines it").format(display_path(path)))
        self.picture.clear()
        self.show()

    def set_picture(self, image: QImage) -> None:
        dpr = self.devicePixelRatioF()
        pix = QPixmap.fromImage(image).scaled(int(56 * dpr), int(56 * dpr), Qt.AspectRatioMode.KeepAspectRatio,
                                              Qt.TransformationMode.SmoothTransformation)
        pix.setDevicePixelRatio(dpr)
        self.picture.setPixmap(pix)

    def clear(self) -> None:
        self.path = None
        self.hide()
        self.cleared.emit()
