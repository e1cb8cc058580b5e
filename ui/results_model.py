"""The result grid's model: search results, with thumbnails loaded lazily as tiles come into view.

`data(DecorationRole)` answers from the thumbnail cache or queues a decode and answers None (the delegate draws
a placeholder); when the decode lands, only that tile repaints. A result whose file has vanished since it was
indexed is marked missing and drawn as such. Dragging tiles out hands other applications the files.
"""
from __future__ import annotations

import os
from datetime import datetime

from PySide6.QtCore import QAbstractListModel, QMimeData, QModelIndex, QObject, QPersistentModelIndex, Qt, QUrl
from PySide6.QtGui import QImage

from photosearch.pathtext import display_path
from photosearch.search import SearchResult
from ui.thumbnails import ThumbnailLoader

PathRole = Qt.ItemDataRole.UserRole + 1
ScoreRole = Qt.ItemDataRole.UserRole + 2
DateRole = Qt.ItemDataRole.UserRole + 3
MissingRole = Qt.ItemDataRole.UserRole + 4
ResultRole = Qt.ItemDataRole.UserRole + 5
BrokenRole = Qt.ItemDataRole.UserRole + 6  # why the thumbnail cannot be shown, or None

AnyIndex = QModelIndex | QPersistentModelIndex


class ResultsModel(QAbstractListModel):
    def __init__(self, thumbnails: ThumbnailLoader, thumb_px: int = 220, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thumbnails = thumbnails
        self.thumb_px = thumb_px
        self.dpr = 1.0
        self._results: list[SearchResult] = []
        self._rows: dict[str, list[int]] = {}
        self._missing: set[str] = set()
        self._broken: dict[str, str] = {}
        thumbnails.signals.ready.connect(self._thumbnail_ready)
        thumbnails.signals.failed.connect(self._thumbnail_failed)

    def set_results(self, results: list[SearchResult]) -> None:
        """Show `results`. The same photos in the same order (a refresh while indexing) only update scores and
        dates in place, so the current tile, the selection and the scroll position stay where they were."""
        if results and [r.path for r in results] == [r.path for r in self._results]:
            self._results = list(results)
            self.dataChanged.emit(self.index(0), self.index(len(results) - 1), [ScoreRole, DateRole])
            return
        self.beginResetModel()
        self._results = list(results)
        self._rows = {}
        for i, r in enumerate(self._results):
            self._rows.setdefault(r.path, []).append(i)
        self._missing = set()  # learnt as thumbnails load: no disk access here, on the GUI thread
        self._broken = {}
        self.endResetModel()

    def result(self, row: int) -> SearchResult | None:
        return self._results[row] if 0 <= row < len(self._results) else None

    def results(self) -> list[SearchResult]:
        return list(self._results)

    def is_missing(self, path: str) -> bool:
        return path in self._missing

    def broken(self, path: str) -> str | None:
        return self._broken.get(path)

    def thumbnail(self, path: str) -> QImage | None:
        """The tile's thumbnail if it is cached, else None and a decode is queued (the delegate's fast path:
        one plain call per tile, no round trip through QVariant roles)."""
        if path in self._missing or path in self._broken:
            return None
        return self.thumbnails.get(path, self._px(), self.dpr)

    # -- Qt model interface ------------------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._results)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        r = self.result(index.row())
        if r is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return display_path(os.path.basename(r.path))
        if role == Qt.ItemDataRole.ToolTipRole:
            when = r.taken_at.strftime("%Y-%m-%d %H:%M") if r.taken_at else self.tr("unknown date")
            tip = self.tr("{0}\n{1} \u00b7 similarity {2:.3f}").format(display_path(r.path), when, r.score)
            if r.matched:
                tip += "\n" + self.tr("Words in the photo: {0}").format(", ".join(r.matched))
            return tip
        if role == Qt.ItemDataRole.DecorationRole:
            return self.thumbnail(r.path)
        if role == PathRole:
            return r.path
        if role == ScoreRole:
            return r.score
        if role == DateRole:
            return r.taken_at
        if role == MissingRole:
            return r.path in self._missing
        if role == ResultRole:
            return r
        if role == BrokenRole:
            return self._broken.get(r.path)
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else base

    def mimeTypes(self) -> list[str]:
        return ["text/uri-list"]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:
        data = QMimeData()
        paths = [self._results[i.row()].path for i in indexes if i.isValid()]
        data.setUrls([QUrl.fromLocalFile(p) for p in paths if p not in self._missing])
        data.setText("\n".join(display_path(p) for p in paths))
        return data

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    # -- thumbnails ------------------------------------------------------------------------------------------
    def _px(self) -> int:
        return int(round(self.thumb_px * self.dpr))

    def _thumbnail_ready(self, path: str, px: int, image: QImage) -> None:
        if px != self._px():
            return  # a preview or an example chip, not a tile
        for row in self._rows.get(path, ()):
            idx = self.index(row)
            self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.DecorationRole])

    def _thumbnail_failed(self, path: str, reason: str) -> None:
        if path not in self._rows:
            return
        if reason == "missing":
            self._missing.add(path)
        else:
            self._broken[path] = reason
        for row in self._rows[path]:
            idx = self.index(row)
            self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.DecorationRole, MissingRole, BrokenRole])


def format_date(when: datetime | None) -> str:
    return when.strftime("%Y-%m-%d") if when else ""
