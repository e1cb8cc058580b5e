"""The training loss as a line, painted with QPainter (a plotting library for one line is not worth its import
time): the raw per-step loss faint, its running mean bold, the axis labelled with the first and last values."""
from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

SMOOTHING = 0.9  # exponential running mean, as TensorBoard shows


class LossPlot(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.losses: list[float] = []
        self.total = 0
        self.setMinimumHeight(120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(self.tr("Training loss"))

    def clear(self) -> None:
        self.losses, self.total = [], 0
        self.update()

    def add(self, step: int, loss: float | None, total: int) -> None:
        """The loss of `step` (1-based); None for a skipped step (non-finite loss)."""
        self.total = total
        while len(self.losses) < step - 1:
            self.losses.append(math.nan)
        self.losses[step - 1:] = [math.nan if loss is None else loss]
        self.update()

    def smoothed(self) -> list[float]:
        out, mean = [], math.nan
        for value in self.losses:
            if math.isfinite(value):
                mean = value if not math.isfinite(mean) else SMOOTHING * mean + (1 - SMOOTHING) * value
            out.append(mean)
        return out

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text_colour = palette.color(QPalette.ColorRole.WindowText)
        area = QRectF(self.rect()).adjusted(48, 8, -8, -20)
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1))
        painter.drawRect(area)
        finite = [v for v in self.losses if math.isfinite(v)]
        if not finite:
            painter.setPen(text_colour)
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, self.tr("The loss appears here once training runs"))
            return
        low, high = min(finite), max(finite)
        if high - low < 1e-9:
            low, high = low - 0.5, high + 0.5
        steps = max(self.total, len(self.losses), 2)

        def point(i: int, value: float) -> QPointF:
            x = area.left() + area.width() * i / (steps - 1)
            y = area.bottom() - area.height() * (value - low) / (high - low)
            return QPointF(x, y)

        for series, colour, width in ((self.losses, palette.color(QPalette.ColorRole.Mid), 1),
                                      (self.smoothed(), palette.color(QPalette.ColorRole.Highlight), 2)):
            path, drawing = QPainterPath(), False
            for i, value in enumerate(series):
                if not math.isfinite(value):
                    drawing = False
                    continue
                path.lineTo(point(i, value)) if drawing else path.moveTo(point(i, value))
                drawing = True
            painter.setPen(QPen(colour, width))
            painter.drawPath(path)
        painter.setPen(text_colour)
        painter.drawText(QRectF(0, area.top() - 6, 44, 14), Qt.AlignmentFlag.AlignRight, f"{high:.3g}")
        painter.drawText(QRectF(0, area.bottom() - 8, 44, 14), Qt.AlignmentFlag.AlignRight, f"{low:.3g}")
        painter.drawText(QRectF(area.left(), area.bottom() + 2, area.width(), 16), Qt.AlignmentFlag.AlignHCenter,
                         self.tr("step %1 of %2").replace("%1", str(len(self.losses))).replace("%2", str(steps)))
