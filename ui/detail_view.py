"""One photo, large: the preview, what the library knows about it, and what to do with it."""
from __future__ import annotations

import os

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from photosearch.library import PhotoDetails
from photosearch.pathtext import display_path
from photosearch.search import SearchResult

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
        self._image: QImage | None = None
        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.preview.setMinimumSize(QSize(200, 200))
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
        }
        self.buttons["back"].clicked.connect(self.back)
        self.buttons["open"].clicked.connect(lambda: self.result and self.open_file.emit(self.result.path))
        self.buttons["reveal"].clicked.connect(lambda: self.result and self.reveal_file.emit(self.result.path))
        self.buttons["copy"].clicked.connect(lambda: self.result and self.copy_path.emit(self.result.path))
        self.buttons["similar"].clicked.connect(lambda: self.result and self.find_similar.emit(self.result.path))

        side = QVBoxLayout()
        side.addLayout(form)
        side.addStretch(1)
        for key in ("open", "reveal", "copy", "similar"):
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
        self._image = None
        self.preview.setText(self.tr("Loading\u2026"))
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
            self.preview.setText(self.tr("The file is missing") if reason == "missing" else
                                 self.tr("This photo cannot be shown: {0}").format(reason))
            return
        self._image = image
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        if self._image is None:
            return
        dpr = self.devicePixelRatioF()
        size = self.preview.size() * dpr
        pix = QPixmap.fromImage(self._image).scaled(size, Qt.AspectRatioMode.KeepAspectRatio,
                                                    Qt.TransformationMode.SmoothTransformation)
        pix.setDevicePixelRatio(dpr)
        self.preview.setPixmap(pix)
