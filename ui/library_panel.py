"""The library panel: folders with their counts and exclusions, indexing progress with pause and resume, how
far reading the words inside photos has got, and the files that could not be read, with the reason for each.

Words are read by a background reader while the watcher keeps embedding (`indexer.text_stage`), so their
progress has a line of its own instead of taking turns with "Indexing" on the same one."""
from __future__ import annotations

import os

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from photosearch.library import LibraryStatus, TextState
from photosearch.pathtext import display_path
from photosearch.progress import Phase, Progress, Unit
from photosearch.store import FileStatus
from ui.index_service import IndexState, IndexStatus

PathRole = Qt.ItemDataRole.UserRole + 1
RootRole = Qt.ItemDataRole.UserRole + 2


def eta_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = int(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class LibraryPanel(QWidget):
    add_folder = Signal(str)
    remove_folder = Signal(str)
    exclude = Signal(str, str)  # folder, subfolder
    include = Signal(str, str)
    pause_toggled = Signal(bool)  # True: pause
    retry = Signal()  # indexing stopped on an error (a failed download, say): start it again

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.folders = QTreeWidget()
        self.folders.setHeaderLabels([self.tr("Folder"), self.tr("Photos")])
        self.folders.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.folders.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.folders.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.folders.customContextMenuRequested.connect(self._menu)
        self.folders.setAccessibleName(self.tr("Library folders"))
        self.setMinimumWidth(260)
        add = QPushButton(self.tr("Add folder\u2026"))
        add.clicked.connect(self._ask_folder)
        self.remove = QPushButton(self.tr("Remove"))
        self.remove.clicked.connect(self._remove_selected)
        self.remove.setEnabled(False)
        self.folders.itemSelectionChanged.connect(
            lambda: self.remove.setEnabled(bool(self._selected_root())))

        self.state = QLabel(self.tr("Not indexing"))
        self.state.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setTextVisible(True)
        self.bar.hide()
        self.pause = QPushButton(self.tr("Pause"))
        self.pause.setCheckable(True)
        self.pause.toggled.connect(self._pause_toggled)
        self.pause.setEnabled(False)
        self.retry_button = QPushButton(self.tr("Retry"))
        self.retry_button.clicked.connect(self.retry)
        self.retry_button.hide()
        self.backfill = QLabel()
        self.backfill.setWordWrap(True)
        self.backfill.hide()
        self.text_state = QLabel()  # words inside photos: "text: N of M photos read", or live progress
        self.text_state.setWordWrap(True)
        self.text_state.hide()
        self.text_running = False  # a text run's progress is showing (a status read does not overwrite it)
        self._live = False  # the app's indexer is running or paused: reading progress from it is current

        self.failures_label = QLabel()
        self.failures = QTreeWidget()
        self.failures.setHeaderLabels([self.tr("File"), self.tr("Why it was skipped")])
        self.failures.setRootIsDecorated(False)
        self.failures.setAccessibleName(self.tr("Files that could not be read"))
        self.failures_label.hide()
        self.failures.hide()

        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(self.remove)
        buttons.addStretch(1)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.bar, 1)
        progress_row.addWidget(self.pause)
        progress_row.addWidget(self.retry_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.folders, 2)
        layout.addLayout(buttons)
        layout.addWidget(self.state)
        layout.addLayout(progress_row)
        layout.addWidget(self.backfill)
        layout.addWidget(self.text_state)
        layout.addWidget(self.failures_label)
        layout.addWidget(self.failures, 1)

    # -- input from the window ---------------------------------------------------------------------------
    def set_library_status(self, st: LibraryStatus) -> None:
        expanded = {i.data(0, PathRole) for i in self._items() if i.isExpanded()}
        self.folders.clear()
        for f in st.folders:
            live = sum(n for s, n in f.files.items() if s != FileStatus.MISSING)
            name = display_path(os.path.basename(f.path.rstrip(os.sep)) or f.path)
            item = QTreeWidgetItem([name, f"{f.files[FileStatus.INDEXED]:,} / {live:,}"])
            item.setData(0, PathRole, f.path)
            item.setData(0, RootRole, f.path)
            item.setToolTip(0, display_path(f.path))
            item.setToolTip(1, self.tr("indexed / found"))
            for sub in f.excluded:
                child = QTreeWidgetItem([self.tr("excluded: {0}").format(display_path(os.path.relpath(sub, f.path))), ""])
                child.setData(0, PathRole, sub)
                child.setData(0, RootRole, f.path)
                child.setDisabled(False)
                item.addChild(child)
            self.folders.addTopLevelItem(item)
            item.setExpanded(f.path in expanded or bool(f.excluded))
        self.failures.clear()
        for e in st.errors:
            row = QTreeWidgetItem([display_path(os.path.basename(e.path)), e.reason])
            row.setToolTip(0, display_path(e.path))
            row.setToolTip(1, e.reason)
            self.failures.addTopLevelItem(row)
        self.failures_label.setText(self.tr("{0} files could not be read:").format(st.error_count))
        self.failures_label.setVisible(st.error_count > 0)
        self.failures.setVisible(st.error_count > 0)
        pending = [m for m in st.models if not m.complete]
        if pending and st.search_model:
            self.backfill.setText(self.tr("Adding a second model; searches use the current one until it is done."))
        self.backfill.setVisible(bool(pending) and bool(st.search_model))
        if st.text is not None and not self.text_running:
            self.text_state.setText(self._text_summary(st.text))
        self.text_state.setVisible(st.text is not None or self.text_running)

    def _text_summary(self, t: TextState) -> str:
        """What `photosearch status` says on its "text:" line."""
        if t.engine is None:
            return self.tr("Words in photos are not read here: {0}").format(t.unavailable or "")
        text = self.tr("Text: {0:,} of {1:,} photos read, {2:,} with text").format(t.read, t.total, t.with_text)
        if t.failed:
            text += " \u00b7 " + self.tr("{0} skipped").format(t.failed)
        if not t.enabled:
            text += " \u00b7 " + self.tr("reading is turned off in Settings")
        return text

    def set_index_status(self, status: IndexStatus) -> None:
        state = status.state
        self._live = state in (IndexState.RUNNING, IndexState.PAUSED)
        if not self._live:
            self.text_running = False  # a stopped reader sends no last report: the next status read sums up
        self.retry_button.setVisible(state == IndexState.FAILED)
        self.pause.setEnabled(state in (IndexState.RUNNING, IndexState.PAUSED))
        self.pause.blockSignals(True)
        self.pause.setChecked(state == IndexState.PAUSED)
        self.pause.setText(self.tr("Resume") if state == IndexState.PAUSED else self.tr("Pause"))
        self.pause.blockSignals(False)
        if state == IndexState.EXTERNAL:
            who = status.holder.describe() if status.holder else self.tr("another program")
            self.state.setText(self.tr("Kept up to date by {0}.").format(who))
            self.bar.hide()
        elif state in (IndexState.FAILED, IndexState.READ_ONLY):
            self.state.setText(self.tr("Indexing stopped: {0}").format(status.message))
            self.bar.hide()
        elif state == IndexState.PAUSED:
            self.state.setText(self.tr("Paused. New and changed photos wait until you resume."))
        elif state == IndexState.STARTING:
            self.state.setText(self.tr("Starting\u2026"))
        elif state == IndexState.STOPPED:
            self.state.setText(self.tr("Not indexing"))
            self.bar.hide()

    def set_progress(self, p: Progress) -> None:
        if p.phase == Phase.LOAD:
            return  # model loads show in the status bar: they are not the indexer's state
        if p.phase == Phase.DOWNLOAD:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * p.done / p.total) if p.total else 0)
            self.bar.setFormat(f"{p.done / 1e9:.2f} / {p.total / 1e9:.2f} GB")
            self.state.setText(self.tr("Downloading the model: file {0} of {1}").format(
                min(p.items_done + 1, p.items_total), p.items_total))
            self.bar.show()
            return
        if p.phase == Phase.SCAN:
            self.bar.setRange(0, 0)  # busy: the walk does not know its total
            self.bar.show()
            self.state.setText(self.tr("Looking for new and changed photos: {0:,} files").format(p.done))
            if p.finished:
                self.bar.hide()
            return
        if p.phase == Phase.TEXT:
            self._text_progress(p)
            return
        if p.total == 0:  # a run that found nothing to do
            self.bar.hide()
            self.state.setText(self.tr("Up to date."))
            return
        self.bar.setRange(0, max(1, p.total))
        self.bar.setValue(p.done)
        self.bar.setFormat(f"{p.done:,} / {p.total:,}")
        self.bar.show()
        verb = self.tr("Adding the new model") if p.phase == Phase.BACKFILL else self.tr("Indexing")
        parts = [self.tr("{0}: {1:,} of {2:,} photos").format(verb, p.done, p.total)]
        if p.rate:
            parts.append(self.tr("{0:.1f} photos/s").format(p.rate) if p.unit == Unit.PHOTOS else f"{p.rate:.1f}/s")
        if p.eta_s is not None and not p.finished:
            parts.append(self.tr("about {0} left").format(eta_text(p.eta_s)))
        if p.failed:
            parts.append(self.tr("{0} skipped").format(p.failed))
        if p.finished:
            parts = [self.tr("Up to date.")] + ([self.tr("{0} skipped").format(p.failed)] if p.failed else [])
            self.bar.hide()
        self.state.setText(" \u00b7 ".join(parts))

    def _text_progress(self, p: Progress) -> None:
        """The background reader's runs: live on their own line; when one ends, the next status read sums up.
        A report still queued from a reader that was stopped (Settings turned reading off) is dropped."""
        if not self._live:
            return
        self.text_running = not p.finished and p.total > 0
        parts = [self.tr("Reading words in photos: {0:,} of {1:,}").format(p.done, p.total)]
        if p.rate and self.text_running:
            parts.append(self.tr("{0:.1f} photos/s").format(p.rate))
        if p.eta_s is not None and self.text_running:
            parts.append(self.tr("about {0} left").format(eta_text(p.eta_s)))
        self.text_state.setText(" \u00b7 ".join(parts))
        self.text_state.show()

    # -- user actions ------------------------------------------------------------------------------------
    def _items(self) -> list[QTreeWidgetItem]:
        return [self.folders.topLevelItem(i) for i in range(self.folders.topLevelItemCount())]

    def _selected_root(self) -> str | None:
        items = self.folders.selectedItems()
        return items[0].data(0, RootRole) if items else None

    def _ask_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Add a folder of photos"))
        if folder:
            self.add_folder.emit(folder)

    def _remove_selected(self) -> None:
        root = self._selected_root()
        if root:
            self.remove_folder.emit(root)

    def _pause_toggled(self, paused: bool) -> None:
        self.pause_toggled.emit(paused)

    def _menu(self, pos: QPoint) -> None:
        item = self.folders.itemAt(pos)
        if item is None:
            return
        root, path = item.data(0, RootRole), item.data(0, PathRole)
        menu = QMenu(self)
        if item.parent() is None:
            menu.addAction(self.tr("Exclude a subfolder\u2026"), lambda: self._ask_exclude(root))
            menu.addAction(self.tr("Remove from the library"), lambda: self.remove_folder.emit(root))
        else:
            menu.addAction(self.tr("Include again"), lambda: self.include.emit(root, path))
        menu.exec(self.folders.viewport().mapToGlobal(pos))

    def _ask_exclude(self, root: str) -> None:
        sub = QFileDialog.getExistingDirectory(self, self.tr("Choose a subfolder to skip"), root)
        if sub:
            self.exclude.emit(root, sub)
