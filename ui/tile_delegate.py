"""How a result tile looks: the thumbnail, fitted and centred; the similarity score and the date below it;
a placeholder while the thumbnail loads, and a clear "missing" tile for a photo whose file has gone. A photo
whose visible text matched the query gets a small "Aa" between score and date (its tooltip names the words).

Painting is the hot path of scrolling through 100,000 results: a screenful is ~60 tiles, and a frame is
16.7 ms. So a tile's thumbnail is turned into a pixmap scaled to the tile once and kept (an LRU of a few
screenfuls), fonts are made once, and the model is asked through plain method calls instead of item roles.
Measured with bench/bench_gui.py: a screenful repainted in 15.1 ms median before (QImage scaled on every
paint, six role lookups per tile), see bench/RESULTS.md for the figure after.
"""
from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from ui.results_model import format_date
from ui.theme import text_highlight

TEXT_MARK = "Aa"

CAPTION_H = 22
PAD = 6
PIXMAPS = 600  # scaled tiles kept: about ten screenfuls


class TileDelegate(QStyledItemDelegate):
    def __init__(self, thumb_px: int, parent=None) -> None:
        super().__init__(parent)
        self.thumb_px = thumb_px
        self.cell = QSize(thumb_px + 2 * PAD, thumb_px + CAPTION_H + 2 * PAD)  # the grid sets it to fill its width
        self._pixmaps: OrderedDict[tuple[int, int, int], QPixmap] = OrderedDict()
        self._font: QFont | None = None

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        return self.cell

    def _scaled(self, image: QImage, side: int, dpr: float) -> QPixmap:
        key = (image.cacheKey(), side, int(dpr * 100))
        pix = self._pixmaps.get(key)
        if pix is None:
            target = QSize(side, side) * dpr
            pix = QPixmap.fromImage(image).scaled(target, Qt.AspectRatioMode.KeepAspectRatio,
                                                  Qt.TransformationMode.SmoothTransformation)
            pix.setDevicePixelRatio(dpr)
            self._pixmaps[key] = pix
            while len(self._pixmaps) > PIXMAPS:
                self._pixmaps.popitem(last=False)
        else:
            self._pixmaps.move_to_end(key)
        return pix

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        model = index.model()
        result = model.result(index.row())
        if result is None:
            return
        painter.save()
        pal = option.palette
        tile = option.rect.adjusted(2, 2, -2, -2)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected or option.state & QStyle.StateFlag.State_MouseOver:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setBrush(pal.color(QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.AlternateBase))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawRoundedRect(tile, 8, 8)
        side = min(tile.width() - 2 * (PAD - 2), tile.height() - CAPTION_H - 2 * (PAD - 2))
        box = QRect(tile.x() + (tile.width() - side) // 2, tile.y() + PAD - 2, side, side)
        image = model.thumbnail(result.path)
        if image is not None and not image.isNull():
            pix = self._scaled(image, side, painter.device().devicePixelRatioF())
            w, h = int(pix.width() / pix.devicePixelRatio()), int(pix.height() / pix.devicePixelRatio())
            painter.drawPixmap(box.x() + (side - w) // 2, box.y() + (side - h) // 2, pix)
        else:
            self._placeholder(painter, box, pal, model.is_missing(result.path), model.broken(result.path))
        if self._font is None:
            self._font = QFont(option.font)
            self._font.setPointSizeF(max(7.0, self._font.pointSizeF() * 0.85))
        painter.setFont(self._font)
        caption = QRect(box.x(), box.bottom() + 4, box.width(), CAPTION_H - 4)
        text_color = pal.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        painter.setPen(text_color)
        painter.drawText(caption, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, f"{result.score:.3f}")
        painter.setPen(QColor(text_color.red(), text_color.green(), text_color.blue(), 170))
        painter.drawText(caption, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, format_date(result.taken_at))
        if result.matched:
            painter.setPen(text_highlight()[1])
            painter.drawText(caption, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter, TEXT_MARK)
        painter.restore()

    def _placeholder(self, painter: QPainter, box: QRect, pal: QPalette, missing: bool, broken: str | None) -> None:
        base = pal.color(QPalette.ColorRole.AlternateBase)
        painter.setBrush(base.darker(108) if not (missing or broken) else base)
        painter.setPen(QPen(pal.color(QPalette.ColorRole.Mid), 1, Qt.PenStyle.DashLine if missing else Qt.PenStyle.NoPen))
        painter.drawRect(box.adjusted(8, 8, -8, -8))
        if missing or broken:
            painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            text = self.tr("File missing") if missing else self.tr("Cannot show")
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)
