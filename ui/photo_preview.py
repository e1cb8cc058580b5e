"""The detail view's photo: fitted into the space there is, with the boxes of the words a search matched drawn
over it.

Boxes arrive in the photo's displayed pixels (full resolution, EXIF orientation applied: what
`photosearch.ocr` stores), while the preview shows a downscaled decode of the same upright photo. So a box is
mapped by the ratio between where the photo is drawn and the photo's full displayed size (`SearchResult.width`
/ `height`, also upright), never by the preview image's own size, which is a thumbnail.
"""
from __future__ import annotations

from typing import Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QPaintEvent, QPen, QPixmap, QPolygonF, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QStyle, QWidget

from ui.theme import text_highlight

Box = Sequence[tuple[float, float]]  # 4 corner points, clockwise from the text's top-left


class PhotoPreview(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setMinimumSize(QSize(200, 200))
        self._image: QImage | None = None
        self._photo_size: tuple[float, float] = (0.0, 0.0)
        self._boxes: list[Box] = []

    @property
    def image(self) -> QImage | None:
        return self._image

    def show_message(self, text: str) -> None:
        """No photo (loading, missing, unreadable): the message instead, and no boxes."""
        self._image = None
        self._boxes = []
        self.setText(text)

    def show_image(self, image: QImage, photo_size: tuple[int | None, int | None] = (None, None)) -> None:
        """`photo_size`: the photo's full displayed width and height, the frame the boxes are in; unknown (an
        old library row), the image's own size stands in."""
        self._image = image
        w, h = photo_size
        self._photo_size = (float(w), float(h)) if w and h else (float(image.width()), float(image.height()))
        self._fit()

    def set_boxes(self, boxes: Sequence[Box]) -> None:
        self._boxes = list(boxes)
        self.update()

    def image_rect(self) -> QRectF:
        """Where the photo is drawn, in this widget's coordinates (empty while there is none); the same rectangle
        QLabel computes for its pixmap."""
        pix = self.pixmap()
        if self._image is None or pix.isNull():
            return QRectF()
        cr = self.contentsRect()
        size = pix.deviceIndependentSize().toSize().boundedTo(cr.size())
        return QRectF(QStyle.alignedRect(self.layoutDirection(), self.alignment(), size, cr))

    def highlight_polygons(self) -> list[QPolygonF]:
        """The matched words' boxes as drawn: scaled from the photo's displayed pixels onto `image_rect()`."""
        rect = self.image_rect()
        pw, ph = self._photo_size
        if rect.isEmpty() or not pw or not ph:
            return []
        sx, sy = rect.width() / pw, rect.height() / ph
        return [QPolygonF([QPointF(rect.x() + x * sx, rect.y() + y * sy) for x, y in box]) for box in self._boxes]

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        polygons = self.highlight_polygons()
        if not polygons:
            return
        fill, outline = text_highlight()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(outline, 2))
        painter.setBrush(fill)
        for polygon in polygons:
            painter.drawPolygon(polygon)
        painter.end()

    def _fit(self) -> None:
        if self._image is None:
            return
        dpr = self.devicePixelRatioF()
        pix = QPixmap.fromImage(self._image).scaled(self.size() * dpr, Qt.AspectRatioMode.KeepAspectRatio,
                                                    Qt.TransformationMode.SmoothTransformation)
        pix.setDevicePixelRatio(dpr)
        self.setPixmap(pix)
