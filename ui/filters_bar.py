"""Filters, sorting and the relevance cut-off: what `SearchFilters`, `SortOrder` and `cutoff` hold, as widgets."""
from __future__ import annotations

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QSlider,
    QWidget,
)

from photosearch.pathtext import display_path
from photosearch.search import SearchFilters, SortOrder

NO_DATE = QDate(1900, 1, 1)


class FiltersBar(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._quiet = QTimer(self)
        self._quiet.setSingleShot(True)
        self._quiet.setInterval(250)  # a dragged slider or a typed camera name searches once it settles
        self._quiet.timeout.connect(self.changed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        self.folder = QComboBox()
        self.folder.setAccessibleName(self.tr("Folder"))
        self.folder.setMinimumContentsLength(14)
        self.folder.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.since, self.until = self._date(self.tr("From")), self._date(self.tr("Until"))
        self.camera = QComboBox()
        self.camera.setEditable(True)
        self.camera.lineEdit().setPlaceholderText(self.tr("Any camera"))
        self.camera.setMinimumContentsLength(10)
        self.camera.setAccessibleName(self.tr("Camera"))
        self.type = QComboBox()
        self.type.setAccessibleName(self.tr("File type"))
        self.sort = QComboBox()
        self.sort.addItem(self.tr("Best match"), SortOrder.RELEVANCE)
        self.sort.addItem(self.tr("Newest first"), SortOrder.DATE)
        self.sort.setAccessibleName(self.tr("Sort"))
        self.cutoff = QSlider(Qt.Orientation.Horizontal)
        self.cutoff.setRange(0, 99)
        self.cutoff.setFixedWidth(110)
        self.cutoff.setToolTip(self.tr("Hide results scoring below this share of the best result's score"))
        self.cutoff.setAccessibleName(self.tr("Relevance cut-off"))
        self.cutoff_label = QLabel()
        self.cutoff_label.setMinimumWidth(self.fontMetrics().horizontalAdvance("100 %"))
        self.set_choices([], [], [])

        for label, widget in ((self.tr("Folder"), self.folder), (None, self.since), (None, self.until),
                              (None, self.camera), (None, self.type), (self.tr("Sort"), self.sort),
                              (self.tr("Cut-off"), self.cutoff)):
            if label:
                layout.addWidget(QLabel(label))
            layout.addWidget(widget)
        layout.addWidget(self.cutoff_label)
        layout.addStretch(1)

        self.folder.currentIndexChanged.connect(self._changed)
        self.type.currentIndexChanged.connect(self._changed)
        self.sort.currentIndexChanged.connect(self._changed)
        self.since.dateChanged.connect(self._changed)
        self.until.dateChanged.connect(self._changed)
        self.camera.currentTextChanged.connect(self._changed)
        self.cutoff.valueChanged.connect(self._cutoff_moved)
        self._cutoff_moved(0)

    def _date(self, label: str) -> QDateEdit:
        edit = QDateEdit()
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setMinimumDate(NO_DATE)
        edit.setSpecialValueText(label + ": " + self.tr("any"))  # shown while the date is the minimum: no filter
        edit.setDate(NO_DATE)
        edit.setAccessibleName(label)
        return edit

    def _changed(self, *_: object) -> None:
        self._quiet.start()

    def _cutoff_moved(self, value: int) -> None:
        self.cutoff_label.setText(self.tr("off") if value == 0 else f"{value} %")
        self._changed()

    def set_choices(self, folders: list[str], cameras: list[str], types: list[str]) -> None:
        """Refill the choices, keeping what is selected where it still exists."""
        for combo, all_label, values, show in (
            (self.folder, self.tr("All folders"), folders, display_path),
            (self.type, self.tr("All types"), types, str.upper),
        ):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(all_label, None)
            for v in values:
                combo.addItem(show(v), v)
            combo.setCurrentIndex(max(0, combo.findData(current)))
            combo.blockSignals(False)
        text = self.camera.currentText()
        self.camera.blockSignals(True)
        self.camera.clear()
        self.camera.addItems(cameras)
        self.camera.setCurrentText(text)
        self.camera.blockSignals(False)

    def filters(self) -> SearchFilters:
        since, until = self.since.date(), self.until.date()
        return SearchFilters(
            folder=self.folder.currentData(),
            since=None if since == NO_DATE else since.toPython(),
            until=None if until == NO_DATE else until.toPython(),
            camera=self.camera.currentText().strip() or None,
            file_types=(self.type.currentData(),) if self.type.currentData() else (),
        )

    def sort_order(self) -> SortOrder:
        return self.sort.currentData()

    def cutoff_fraction(self) -> float | None:
        return self.cutoff.value() / 100 or None

    def reset(self) -> None:
        for w in (self.folder, self.type, self.sort):
            w.setCurrentIndex(0)
        self.since.setDate(NO_DATE)
        self.until.setDate(NO_DATE)
        self.camera.setCurrentText("")
        self.cutoff.setValue(0)
