"""The Fine-tune window: pick an album of captioned photos and a recipe, see a rough time, start, watch the
progress and the loss, cancel (a later start resumes), read the before/after recall table, and switch the
library's search model to the result with one click.

The run itself is `finetune.run` (the same as `photosearch finetune`), on a thread pool of its own so thumbnails
and searches keep theirs; its progress crosses to the GUI thread through the one `ProgressBridge` protocol.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import platformdirs
from PySide6.QtCore import QThreadPool, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from finetune.config import CONFIGS, Recipe
from finetune.run import RECIPE_FAMILIES
from photosearch.progress import Control, Phase, Progress
from ui.bridge import ProgressBridge, run_task
from ui.loss_plot import LossPlot

DEFAULT_BASE = {Recipe.LONGCLIP: "longclip-l", Recipe.LLM2CLIP_STAGE1: "llm2clip-1b",
                Recipe.LLM2CLIP_STAGE2: "llm2clip-1b"}


def output_root() -> Path:
    return platformdirs.user_data_path("PhotoSearch", appauthor=False) / "fine-tuned"


class FinetuneWindow(QDialog):
    use_model = Signal(str)  # the trained model's folder, a --model spec

    def __init__(self, current_model: str = "", out_root: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Fine-tune a model"))
        self.current_model = current_model
        self.out_root = out_root or output_root()
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.bridge = ProgressBridge(self)
        self.bridge.progress.connect(self._progress)
        self.control: Control | None = None
        self.album_photos = 0
        self.model_path = ""

        self.album = QLineEdit()
        self.album.setPlaceholderText(self.tr("A folder of photos with captions, or a CSV/JSONL list"))
        self.album.editingFinished.connect(self._check_album)
        folder = QPushButton(self.tr("Folder\u2026"))
        folder.clicked.connect(self._pick_album_folder)
        manifest = QPushButton(self.tr("List file\u2026"))
        manifest.clicked.connect(self._pick_manifest)
        self.album_info = QLabel(self.tr("Captions are read from .txt files beside the photos, XMP, EXIF or IPTC "
                                         "descriptions, or a CSV/JSONL list (path, caption[, short caption])."))
        self.album_info.setWordWrap(True)
        self.recipe = QComboBox()
        self.recipe.addItem(self.tr("Long-CLIP: long captions, keeps short ones working"), Recipe.LONGCLIP.value)
        self.recipe.addItem(self.tr("LLM2CLIP stage 2: align photos with the language model"),
                            Recipe.LLM2CLIP_STAGE2.value)
        self.recipe.addItem(self.tr("LLM2CLIP stage 1: teach the language model your captions"),
                            Recipe.LLM2CLIP_STAGE1.value)
        self.recipe.currentIndexChanged.connect(self._recipe_changed)
        self.recipe_info = QLabel()
        self.recipe_info.setWordWrap(True)
        self.base = QLineEdit()
        self.base.editingFinished.connect(self._update_estimate)
        base_folder = QPushButton(self.tr("Folder\u2026"))
        base_folder.clicked.connect(self._pick_base)
        self.epochs = QDoubleSpinBox()
        self.epochs.setRange(0.1, 100)
        self.epochs.setDecimals(1)
        self.epochs.valueChanged.connect(self._update_estimate)
        self.out = QLineEdit()
        out_folder = QPushButton(self.tr("Folder\u2026"))
        out_folder.clicked.connect(self._pick_out)
        self.estimate = QLabel()
        self.estimate.setWordWrap(True)

        form = QFormLayout()
        form.addRow(self.tr("Album"), _row(self.album, folder, manifest))
        form.addRow("", self.album_info)
        form.addRow(self.tr("Recipe"), self.recipe)
        form.addRow("", self.recipe_info)
        form.addRow(self.tr("Start from"), _row(self.base, base_folder))
        form.addRow(self.tr("Epochs"), self.epochs)
        form.addRow(self.tr("Save to"), _row(self.out, out_folder))
        form.addRow(self.tr("Time"), self.estimate)

        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.plot = LossPlot()
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels([self.tr("before R@1"), "R@5", "R@10", self.tr("after R@1"), "R@5",
                                              "R@10"])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.hide()
        self.start_button = QPushButton(self.tr("Start"))
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton(self.tr("Stop"))
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.use_button = QPushButton(self.tr("Search with this model"))
        self.use_button.hide()
        self.use_button.clicked.connect(self._use)
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.use_button)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.resize(720, 640)
        self._recipe_changed()

    # -- choices --------------------------------------------------------------------------------------------
    @property
    def chosen_recipe(self) -> Recipe:
        return Recipe(self.recipe.currentData())

    def _recipe_changed(self) -> None:
        recipe = self.chosen_recipe
        self.recipe_info.setText({
            Recipe.LONGCLIP: self.tr("Trains both towers of a Long-CLIP (or any 77-token CLIP, stretched to 248 "
                                     "tokens) on your long captions. A GPU with 16 GB or more; a CPU only for "
                                     "small albums and patience."),
            Recipe.LLM2CLIP_STAGE2: self.tr("Trains the image tower and the adaptor; the language model's caption "
                                            "vectors are computed once and cached. Start from an LLM2CLIP model "
                                            "or a stage-1 result. A 24 GB GPU for the 1B pair."),
            Recipe.LLM2CLIP_STAGE1: self.tr("Adapts the language model (LoRA) to tell your captions apart; follow "
                                            "it with stage 2 so photos match again. A 24 GB GPU for the 1B model."),
        }[recipe])
        self.epochs.setValue(CONFIGS[recipe]().epochs)
        if not self.base.text() or _safe_family(self.base.text()) not in RECIPE_FAMILIES[recipe]:
            current = self.current_model
            ok = bool(current) and _safe_family(current) in RECIPE_FAMILIES[recipe]
            self.base.setText(current if ok else DEFAULT_BASE[recipe])
        stamp = dt.datetime.now().strftime("%Y-%m-%d %H%M")
        self.out.setText(str(self.out_root / f"{recipe.value} {stamp}"))
        self._update_estimate()

    def _pick_album_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Album folder"), self.album.text())
        if folder:
            self.album.setText(folder)
            self._check_album()

    def _pick_manifest(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Caption list"), self.album.text(),
                                              self.tr("Caption lists (*.csv *.tsv *.jsonl)"))
        if path:
            self.album.setText(path)
            self._check_album()

    def _pick_base(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Model folder"))
        if folder:
            self.base.setText(folder)
            self._update_estimate()

    def _pick_out(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Save the run in"), str(self.out_root))
        if folder:
            self.out.setText(folder)

    def _check_album(self) -> None:
        source = self.album.text().strip()
        if not source:
            return
        self.album_info.setText(self.tr("Reading the album\u2026"))

        def load() -> tuple[str, int]:
            from finetune.album import Album, AlbumConfig
            from finetune.captions import Split

            album = Album.load(source, AlbumConfig())
            return album.summary(), album.photo_count(Split.TRAIN)

        def done(result: tuple[str, int]) -> None:
            if self.album.text().strip() == source:
                self.album_info.setText(result[0])
                self.album_photos = result[1]
                self._update_estimate()

        def failed(message: str) -> None:
            if self.album.text().strip() == source:
                self.album_info.setText(message)
                self.album_photos = 0
                self._update_estimate()

        run_task(load, done, failed, parent=self)

    def _update_estimate(self) -> None:
        if not self.album_photos:
            self.estimate.setText(self.tr("Known once the album is read."))
            return
        recipe, base, photos = self.chosen_recipe, self.base.text().strip(), self.album_photos
        config = CONFIGS[recipe]().replace(epochs=self.epochs.value())

        def estimate() -> float | None:
            from finetune.estimate import estimate_seconds

            return estimate_seconds(recipe, base, config, photos)

        def done(seconds: float | None) -> None:
            from photosearch.catalog import describe_duration

            self.estimate.setText(self.tr("About %1 on this computer (a rough figure; the progress below measures "
                                          "the real one).").replace("%1", describe_duration(seconds))
                                  if seconds else
                                  self.tr("Measured in the first minute of training (shown below)."))

        run_task(estimate, done, lambda message: self.estimate.setText(message), parent=self)

    # -- running --------------------------------------------------------------------------------------------
    def start(self) -> None:
        from finetune.run import plan_run

        album, base, out = self.album.text().strip(), self.base.text().strip(), self.out.text().strip()
        if not album or not base or not out:
            self.status.setText(self.tr("Choose an album, a model to start from and a folder to save in."))
            return
        try:
            spec = plan_run(self.chosen_recipe, album, base, out, {"epochs": self.epochs.value()})
        except Exception as exc:  # noqa: BLE001 - PhotoSearchError and bad paths alike: one line
            self.status.setText(str(exc))
            return
        self.control = Control()
        control = self.control
        self.plot.clear()
        self.table.hide()
        self.use_button.hide()
        self._running(True)
        self.status.setText(self.tr("Resuming\u2026") if spec.resuming else self.tr("Starting\u2026"))

        def work():
            from finetune.run import start_run

            return start_run(spec, self.bridge, control)

        run_task(work, self._finished, self._failed, pool=self.pool, parent=self)

    def cancel(self) -> None:
        if self.control is not None:
            self.control.cancel()
            self.cancel_button.setEnabled(False)
            self.status.setText(self.tr("Stopping after this step\u2026"))

    @property
    def running(self) -> bool:
        return self.control is not None

    def _running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        for widget in (self.album, self.recipe, self.base, self.epochs, self.out):
            widget.setEnabled(not running)
        if not running:
            self.control = None

    def _progress(self, p: Progress) -> None:
        from photosearch.catalog import describe_duration

        if p.phase == Phase.TRAIN:
            self.bar.setRange(0, max(1, p.total))
            self.bar.setValue(p.done)
            self.plot.add(p.done, p.loss, p.total)
            eta = self.tr(", about %1 left").replace("%1", describe_duration(p.eta_s)) if p.eta_s is not None else ""
            loss = self.tr(", loss %1").replace("%1", f"{p.loss:.4f}") if p.loss is not None else ""
            self.status.setText(self.tr("Training: step %1 of %2").replace("%1", str(p.done)).replace(
                "%2", str(p.total)) + loss + eta)
        elif p.phase == Phase.EVAL:
            self.bar.setRange(0, 0)
            self.status.setText(self.tr("Measuring recall on the held-out photos\u2026"))
        elif p.phase == Phase.DOWNLOAD and p.total:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * p.done / p.total))
            self.status.setText(self.tr("Downloading the model: %1 of %2 MB").replace(
                "%1", str(p.done >> 20)).replace("%2", str(p.total >> 20)))
        elif p.phase == Phase.PREPARE and p.total:
            self.bar.setRange(0, p.total)
            self.bar.setValue(p.done)
            self.status.setText(self.tr("Computing caption vectors once: %1 of %2").replace(
                "%1", str(p.done)).replace("%2", str(p.total)))
        elif p.phase in (Phase.LOAD, Phase.PREPARE):
            self.bar.setRange(0, 0)
            self.status.setText(self.tr("Loading the model and the album\u2026"))

    def _finished(self, report) -> None:
        self._running(False)
        self.bar.setRange(0, 1)
        if report.cancelled:
            self.bar.setValue(0)
            self.status.setText(self.tr("Stopped at step %1. Start again to resume from there.").replace(
                "%1", str(report.steps)))
            return
        self.bar.setValue(1)
        self.model_path = str(report.model)
        self._show_table(report.before, report.after)
        skipped = self.tr(" %1 steps were skipped (non-finite loss).").replace("%1", str(report.skipped)) \
            if report.skipped else ""
        self.status.setText(self.tr("Done. The model is in %1.").replace("%1", self.model_path) + skipped)
        self.use_button.show()

    def _failed(self, message: str) -> None:
        self._running(False)
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.status.setText(message)

    def _show_table(self, before, after) -> None:
        rows = before.rows()
        after_rows = dict(after.rows())
        self.table.setRowCount(len(rows))
        self.table.setVerticalHeaderLabels([key for key, _ in rows])
        for row, (key, b) in enumerate(rows):
            a = after_rows.get(key)
            values = [b.r1, b.r5, b.r10] + ([a.r1, a.r5, a.r10] if a else [])
            for col, value in enumerate(values):
                self.table.setItem(row, col, QTableWidgetItem(f"{value:.2f}"))
        self.table.show()

    def _use(self) -> None:
        if self.model_path:
            self.use_model.emit(self.model_path)
            self.use_button.setEnabled(False)
            self.status.setText(self.tr("The library now searches with the new model; it indexes your photos "
                                        "with it in the background."))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self.running:
            answer = QMessageBox.question(self, self.tr("Stop fine-tuning?"), self.tr(
                "Training stops after the current step; start the same run again to resume it."))
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
            self.cancel()
            self.pool.waitForDone(60_000)
        super().closeEvent(event)


def _row(*widgets: QWidget) -> QWidget:
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    for i, widget in enumerate(widgets):
        layout.addWidget(widget, 1 if i == 0 else 0)
    return box


def _safe_family(spec: str) -> str:
    from photosearch.factory import spec_kind

    try:
        return spec_kind(spec)
    except Exception:  # noqa: BLE001 - a spec we cannot read is simply not a match
        return ""
