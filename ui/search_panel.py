"""The search side of the window: the query (text, example photo, or both), the live word counter and the cut
notice, filters, and the grid of results with an empty state that says what to do next."""
from __future__ import annotations

import math
from enum import Enum

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QProgressBar,
    QPushButton,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from photosearch.search import SearchOutcome, SearchRequest
from ui.filters_bar import FiltersBar
from ui.query_box import ExampleChip, QueryBox
from ui.results_model import PathRole, ResultsModel
from ui.search_service import WordCount
from ui.tile_delegate import TileDelegate

PAGE = 300  # results asked for at first, and added each time the grid is scrolled to its end


class Empty(str, Enum):
    NO_FOLDERS = "no-folders"
    NOTHING_INDEXED = "nothing-indexed"
    NO_QUERY = "no-query"
    NO_RESULTS = "no-results"
    ERROR = "error"


class SearchPanel(QWidget):
    search_requested = Signal()
    activated = Signal(int)  # a row opened (double click, Enter)
    tile_action = Signal(str, str)  # action ("open", "reveal", "copy", "similar", "details"), path
    add_folder_requested = Signal()
    more_wanted = Signal()

    def __init__(self, model: ResultsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.k = PAGE
        self.chip = ExampleChip()
        self.query = QueryBox()
        self.query.submitted.connect(self.search_requested)
        self.go = QPushButton(self.tr("Search"))
        self.go.setDefault(True)
        self.go.clicked.connect(self.search_requested)
        self.words = QLabel()
        self.words.setToolTip(self.tr("Counted in the model's word pieces; long or rare words count as several"))
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("color: #d9822b;")
        self.notice.hide()
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setMaximumHeight(10)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.summary = QLabel()
        self.filters = FiltersBar()
        self.filters.changed.connect(self.search_requested)

        self.grid = QListView()
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setUniformItemSizes(True)  # 100,000 tiles lay out in O(1) per scroll
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.grid.setDragEnabled(True)
        self.grid.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.grid.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.grid.setSpacing(4)
        self.grid.setMouseTracking(True)
        self.grid.setAccessibleName(self.tr("Results"))
        self.grid.setModel(model)
        self.delegate = TileDelegate(model.thumb_px, self.grid)
        self.grid.setItemDelegate(self.delegate)
        self.grid.activated.connect(lambda idx: self.activated.emit(idx.row()))
        self.grid.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.grid.customContextMenuRequested.connect(self._menu)
        self.grid.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.grid.viewport().installEventFilter(self)  # tiles refit whenever the grid's width changes

        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setMargin(40)
        self.empty_button = QPushButton(self.tr("Add a folder\u2026"))
        self.empty_button.clicked.connect(self.add_folder_requested)
        empty_box = QWidget()
        box_layout = QVBoxLayout(empty_box)
        box_layout.addStretch(1)
        box_layout.addWidget(self.empty)
        box_layout.addWidget(self.empty_button, 0, Qt.AlignmentFlag.AlignHCenter)
        box_layout.addStretch(2)
        self.stack = QStackedLayout()
        self.stack.addWidget(self.grid)
        self.stack.addWidget(empty_box)

        top = QHBoxLayout()
        top.addWidget(self.chip)
        top.addWidget(self.query, 1)
        top.addWidget(self.go, 0, Qt.AlignmentFlag.AlignTop)
        info = QHBoxLayout()
        info.addWidget(self.words)
        info.addWidget(self.notice, 1)
        info.addWidget(self.busy)
        info.addWidget(self.summary, 0, Qt.AlignmentFlag.AlignRight)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(info)
        layout.addWidget(self.filters)
        layout.addLayout(self.stack, 1)
        self.set_empty(Empty.NO_QUERY)

    # -- the request ---------------------------------------------------------------------------------------
    def request(self) -> SearchRequest | None:
        """What the user asks now (text, the example photo, or both), or None when the box is empty."""
        text = self.query.query()
        if not text and self.chip.path is None:
            return None
        return SearchRequest(query=text or None, image=self.chip.path, k=self.k, filters=self.filters.filters(),
                             sort=self.filters.sort_order(), cutoff=self.filters.cutoff_fraction())

    def set_example(self, path: str) -> None:
        self.chip.set_example(path)
        self.query.clear()
        self.query.setFocus()
        self.search_requested.emit()

    # -- what came back ------------------------------------------------------------------------------------
    def set_outcome(self, outcome: SearchOutcome, keep_position: bool = False) -> None:
        scroll = self.grid.verticalScrollBar().value()
        self.model.set_results(outcome.results)
        if keep_position:
            self.grid.verticalScrollBar().setValue(scroll)
        n = len(outcome.results)
        self.summary.setText(self.tr("{0:,} photos").format(n) if n != 1 else self.tr("1 photo"))
        if outcome.truncated:
            t = outcome.truncated[0]
            self.notice.setText(self.tr("Your description has {0} words; the model reads the first {1}, so the "
                                        "rest did not count.").format(t.tokens, t.kept))
            self.notice.show()
        else:
            self.notice.hide()
        if n:
            self.stack.setCurrentIndex(0)
        else:
            self.set_empty(Empty.NO_RESULTS)

    def set_words(self, wc: WordCount) -> None:
        if wc.text != self.query.toPlainText().strip():
            return  # counted text is stale
        self.words.setText(self.tr("{0} / {1} words").format(wc.words, wc.limit) if wc.text else "")
        over = wc.words > wc.limit
        if over:
            self.notice.setText(self.tr("Only the first {0} words will be read; the rest of your description "
                                        "will not count.").format(wc.limit))
        self.notice.setVisible(over)

    def set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)

    def set_empty(self, kind: Empty, detail: str = "") -> None:
        texts = {
            Empty.NO_FOLDERS: self.tr("Add a folder of photos to start searching."),
            Empty.NOTHING_INDEXED: self.tr("Your photos are being indexed. You can search already: results "
                                           "appear as photos are indexed."),
            Empty.NO_QUERY: self.tr("Describe a photo above, in any language and in as much detail as you "
                                    "like, or drop a photo here to find similar ones."),
            Empty.NO_RESULTS: self.tr("No photos match. Try fewer filters or a lower cut-off."),
            Empty.ERROR: detail,
        }
        if kind != Empty.NO_RESULTS:
            self.model.set_results([])
            self.summary.setText("")
        self.empty.setText(texts[kind])
        self.empty_button.setVisible(kind == Empty.NO_FOLDERS)
        self.stack.setCurrentIndex(1)

    def eventFilter(self, watched, event) -> bool:
        if watched is self.grid.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
        return False

    def _fit_columns(self) -> None:
        """Tiles share the width evenly (no ragged empty strip on the right), near the thumbnail size."""
        from ui.tile_delegate import CAPTION_H, PAD

        spacing = self.grid.spacing()
        width = self.grid.viewport().width() - spacing
        columns = max(1, math.ceil(width / (self.model.thumb_px + 2 * PAD + spacing)))  # never wider than the thumbnails
        side = max(96, width // columns - spacing)
        cell = QSize(side, side + CAPTION_H)
        if cell != self.delegate.cell:
            self.delegate.cell = cell
            self.grid.setGridSize(cell + QSize(spacing, spacing))

    # -- grid interaction ------------------------------------------------------------------------------------
    def selected_paths(self) -> list[str]:
        return [i.data(PathRole) for i in self.grid.selectionModel().selectedIndexes()]

    def _menu(self, pos) -> None:
        index = self.grid.indexAt(pos)
        if not index.isValid():
            return
        path = index.data(PathRole)
        menu = QMenu(self)
        for action, label, keys in (("details", self.tr("Details"), "Return"), ("open", self.tr("Open"), None),
                                    ("reveal", self.tr("Show in folder"), None), ("copy", self.tr("Copy path"), None),
                                    ("similar", self.tr("Find similar photos"), None)):
            item = QAction(label, menu)
            if keys:
                item.setShortcut(QKeySequence(keys))
            item.triggered.connect(lambda _=False, a=action: self.tile_action.emit(a, path))
            menu.addAction(item)
        menu.exec(self.grid.viewport().mapToGlobal(pos))

    def _scrolled(self, value: int) -> None:
        bar = self.grid.verticalScrollBar()
        if value and value >= bar.maximum() and self.model.rowCount() >= self.k:
            self.k += PAGE
            self.more_wanted.emit()
