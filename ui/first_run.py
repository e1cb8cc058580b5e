"""The first run: which folders to search (the system's Pictures folder to begin with), which model (with what
each costs on this machine), then its download with total size, byte progress, cancel and resume. Offline, it
says which files are missing and where they come from, and offers a local model folder instead."""
from __future__ import annotations

import os
import time
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from photosearch.catalog import DeviceKind, PresetCard, detect_device
from photosearch.errors import DownloadCancelled, HubUnreachable, ModelNotAvailable, PhotoSearchError
from photosearch.factory import Preset, download_preset, get_preset
from photosearch.pathtext import display_path
from photosearch.progress import Control, Phase, Progress
from ui.bridge import ProgressBridge, run_task
from ui.model_picker import ModelPicker

COUNT_LIMIT_S = 10.0  # counting a huge share stops here; the estimate then says "at least"


def count_photos(folders: list[str], limit_s: float = COUNT_LIMIT_S) -> tuple[int, bool]:
    """(photos found, complete) under `folders`, walking for at most `limit_s` seconds."""
    from indexer.walk import walk_photos

    deadline, n = time.monotonic() + limit_s, 0
    for folder in folders:
        for _ in walk_photos(folder, (), lambda e: None):
            n += 1
            if time.monotonic() > deadline:
                return n, False
    return n, True


class FoldersPage(QWizardPage):
    def __init__(self, folders: list[str]) -> None:
        super().__init__()
        self.setTitle(self.tr("Your photos"))
        self.setSubTitle(self.tr("Choose the folders PhotoSearch should search. Photos stay where they are; "
                                 "PhotoSearch only reads them."))
        self.list = QListWidget()
        self.list.setAccessibleName(self.tr("Folders to search"))
        add, remove = QPushButton(self.tr("Add folder\u2026")), QPushButton(self.tr("Remove"))
        add.clicked.connect(self._add)
        remove.clicked.connect(self._remove)
        self.count = QLabel()
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addLayout(row)
        layout.addWidget(self.count)
        self.photos: int | None = None
        pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
        for folder in folders or ([pictures] if pictures and os.path.isdir(pictures) else []):
            self.add_folder(folder)

    def folders(self) -> list[str]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    def add_folder(self, folder: str) -> None:
        folder = str(Path(folder).resolve())
        if folder not in self.folders():
            self.list.addItem(display_path(folder))
            self.list.item(self.list.count() - 1).setData(Qt.ItemDataRole.UserRole, folder)
            self._recount()
            self.completeChanged.emit()

    def _add(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Add a folder of photos"))
        if folder:
            self.add_folder(folder)

    def _remove(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))
        self._recount()
        self.completeChanged.emit()

    def _recount(self) -> None:
        folders = self.folders()
        self.photos = None
        self.count.setText(self.tr("Counting photos\u2026") if folders else "")
        if folders:
            run_task(lambda: (folders, count_photos(folders)), self._counted, parent=self)

    def _counted(self, result: tuple[list[str], tuple[int, bool]]) -> None:
        folders, (n, complete) = result
        if folders != self.folders():
            return  # the list changed meanwhile; a newer count is on its way
        self.photos = n
        self.count.setText((self.tr("{0:,} photos found") if complete else self.tr("At least {0:,} photos found")).format(n))

    def isComplete(self) -> bool:
        return self.list.count() > 0


class ModelPage(QWizardPage):
    def __init__(self, presets: list[Preset]) -> None:
        super().__init__()
        self.setTitle(self.tr("Search model"))
        self.setSubTitle(self.tr("The model reads your descriptions and your photos. You can change it later "
                                 "in Settings."))
        self.picker = ModelPicker(presets)
        self.picker.changed.connect(self.completeChanged)
        scroll = QScrollArea()
        scroll.setWidget(self.picker)
        scroll.setWidgetResizable(True)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll)
        self._device: DeviceKind | None = None

    def initializePage(self) -> None:
        photos = self.wizard().folders_page.photos
        if self._device is None:
            run_task(detect_device, lambda d: self._set_device(d), parent=self)
        else:
            self.picker.set_machine(self._device, photos)

    def _set_device(self, device: DeviceKind) -> None:
        self._device = device
        self.picker.set_machine(device, self.wizard().folders_page.photos)

    def isComplete(self) -> bool:
        return bool(self.picker.spec())


class DownloadPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("Getting the model"))
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.cancel = QPushButton(self.tr("Cancel download"))
        self.retry = QPushButton(self.tr("Retry"))
        self.cancel.clicked.connect(self._cancel)
        self.retry.clicked.connect(self._start)
        row = QHBoxLayout()
        row.addWidget(self.cancel)
        row.addWidget(self.retry)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addLayout(row)
        layout.addStretch(1)
        self.bridge = ProgressBridge(self)
        self.bridge.progress.connect(self._progress)
        self.control = Control()
        self.done = False
        self.running = False

    def initializePage(self) -> None:
        self.done = False
        self._start()

    def cleanupPage(self) -> None:
        self._cancel()

    def _start(self) -> None:
        spec = self.wizard().model_page.picker.spec()
        preset = get_preset(spec)
        self.retry.hide()
        self.done = False
        self.completeChanged.emit()
        if preset is None:  # a local model: nothing to fetch
            self._finished(None)
            return
        self.preset = preset
        self.control = Control()
        self.running = True
        self.cancel.show()
        self.bar.show()
        size = PresetCard.of(preset).download_bytes
        self.label.setText(self.tr("Checking for {0} ({1:.1f} GB)\u2026").format(PresetCard.of(preset).title, size / 1e9))
        control, bridge = self.control, self.bridge

        def fetch() -> PhotoSearchError | None:
            try:
                download_preset(preset, progress=bridge, control=control)
            except PhotoSearchError as e:  # delivered whole: the page words offline and cancel itself
                return e
            return None

        run_task(fetch, self._finished, parent=self)

    def _cancel(self) -> None:
        if self.running:
            self.control.cancel()

    def _progress(self, p: Progress) -> None:
        if p.phase != Phase.DOWNLOAD or not self.running:
            return
        self.bar.setValue(int(1000 * p.done / p.total) if p.total else 0)
        self.label.setText(self.tr("Downloading {0}: {1:.2f} of {2:.2f} GB, file {3} of {4}").format(
            PresetCard.of(self.preset).title, p.done / 1e9, p.total / 1e9, min(p.items_done + 1, p.items_total),
            p.items_total))

    def _finished(self, error: PhotoSearchError | None) -> None:
        self.running = False
        self.cancel.hide()
        self.bar.setVisible(error is None or isinstance(error, DownloadCancelled))  # no empty bar under an error
        if error is None:
            self.done = True
            self.bar.setValue(1000)
            self.label.setText(self.tr("The model is ready. Press Finish to start indexing; you can search "
                                       "while it runs."))
        elif isinstance(error, DownloadCancelled):
            self.label.setText(self.tr("Download cancelled. Files already fetched are kept: Retry resumes."))
            self.retry.show()
        elif isinstance(error, HubUnreachable):
            self.label.setText(self.offline_text(error))
            self.retry.show()
        elif isinstance(error, ModelNotAvailable):
            self.label.setText(self.tr("The model cannot be downloaded: {0}").format(error))
            self.retry.show()
        else:
            self.label.setText(str(error))
            self.retry.show()
        self.completeChanged.emit()

    def offline_text(self, error: HubUnreachable) -> str:
        files = ", ".join(error.missing) or self.tr("(all of them)")
        return self.tr(
            "PhotoSearch could not reach the Hugging Face Hub to download the model. It needs these files from "
            "{0} (revision {1}): {2}.\n\nConnect to the internet and press Retry. Or download those files on "
            "another computer from https://huggingface.co/{0}, put them in one folder (an LLM2CLIP text model "
            "in a subfolder), then go Back and choose \u201cUse a local model folder\u201d."
        ).format(error.repo_id, error.revision[:12], files)

    def isComplete(self) -> bool:
        return self.done


class FirstRunWizard(QWizard):
    """`folders()` and `model_spec()` hold the choices once `exec()` returns Accepted."""

    def __init__(self, presets: list[Preset], folders: list[str] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Welcome to PhotoSearch"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.folders_page = FoldersPage(list(folders))  # the library's folders, else the system's Pictures folder
        self.model_page = ModelPage(presets)
        self.download_page = DownloadPage()
        for page in (self.folders_page, self.model_page, self.download_page):
            self.addPage(page)
        self.resize(720, 600)

    def folders(self) -> list[str]:
        return self.folders_page.folders()

    def model_spec(self) -> str:
        return self.model_page.picker.spec()
