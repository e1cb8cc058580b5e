"""Settings: the search model, the library's models (each can be removed with its vectors), the device, freeing
the text model when idle, the thumbnail cache's size, and whether indexing reads the words inside photos (a
setting of the library, not of the app: `photosearch watch` and `index` follow it too)."""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from photosearch.factory import Preset
from photosearch.library import ModelState
from ui.model_picker import ModelPicker
from ui.settings import AppSettings

DEVICES = ("auto", "cpu", "cpu-int8", "cuda", "mps")


class SettingsDialog(QDialog):
    remove_requested = Signal(str)  # a model id, once the user confirmed removing it and its vectors

    def __init__(self, settings: AppSettings, presets: list[Preset], current_model: str,
                 parent: QWidget | None = None, models: Sequence[ModelState] = (),
                 reads_text: bool | None = None) -> None:
        """`reads_text`: the library's setting; None while unknown or when the library cannot be written."""
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self.settings = settings
        self.picker = ModelPicker(presets)
        self.picker.select(settings.model or current_model)
        scroll = QScrollArea()
        scroll.setWidget(self.picker)
        scroll.setWidgetResizable(True)
        scroll.setMinimumHeight(260)
        self.device = QComboBox()
        labels = {"auto": self.tr("Automatic (GPU when there is one)"), "cpu": self.tr("CPU"),
                  "cpu-int8": self.tr("CPU, int8 (faster, slightly less exact)"),
                  "cuda": self.tr("NVIDIA GPU (CUDA)"), "mps": self.tr("Apple GPU (Metal)")}
        for d in DEVICES:
            self.device.addItem(labels.get(d, d), d)
        self.device.setCurrentIndex(max(0, DEVICES.index(settings.device) if settings.device in DEVICES else 0))
        self.idle = QSpinBox()
        self.idle.setRange(0, 24 * 60)
        self.idle.setSuffix(self.tr(" min"))
        self.idle.setSpecialValueText(self.tr("never"))
        self.idle.setValue(settings.idle_unload_min)
        self.cache = QSpinBox()
        self.cache.setRange(32, 100_000)
        self.cache.setSingleStep(128)
        self.cache.setSuffix(" MB")
        self.cache.setValue(settings.thumb_cache_mb)
        self.read_text = QCheckBox(self.tr("Read words inside photos"))
        self.read_text.setToolTip(self.tr(
            "Find receipts, signs, screenshots and slides by the text in them. Words are read after indexing, at a "
            "lower priority; changing this restarts indexing, and every program indexing this library follows it."))
        self.read_text.setChecked(bool(reads_text) if reads_text is not None else True)
        self.read_text.setEnabled(reads_text is not None)
        self._reads_text_known = reads_text is not None
        form = QFormLayout()
        form.addRow(self.tr("Device"), self.device)
        form.addRow(self.tr("Free the text model after"), self.idle)
        form.addRow(self.tr("Thumbnail cache"), self.cache)
        form.addRow(self.tr("Text"), self.read_text)
        note = QLabel(self.tr("A new model indexes your photos beside the current one; searches keep using the "
                              "current model until it is done. A new device takes effect at the next start."))
        note.setWordWrap(True)
        self.models = QListWidget()
        self.models.setAccessibleName(self.tr("Models in this library"))
        self.models.setMaximumHeight(90)
        self.remove_model = QPushButton(self.tr("Remove model\u2026"))
        self.remove_model.setToolTip(self.tr("Forget this model and its vectors (the photos stay indexed for the others)"))
        self.remove_model.setEnabled(False)
        self.remove_model.clicked.connect(self._remove_selected)
        self.models.itemSelectionChanged.connect(lambda: self.remove_model.setEnabled(bool(self.models.selectedItems())))
        for state in models:
            item = QListWidgetItem(self.tr("{0} \u00b7 {1:,} photos embedded").format(state.spec or state.model_id,
                                                                                    state.embedded))
            item.setData(Qt.ItemDataRole.UserRole, state)
            self.models.addItem(item)
        library_models = QHBoxLayout()
        library_models.addWidget(self.models, 1)
        library_models.addWidget(self.remove_model, 0, Qt.AlignmentFlag.AlignTop)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Search model")))
        layout.addWidget(scroll, 1)
        if models:
            layout.addWidget(QLabel(self.tr("Models in this library")))
            layout.addLayout(library_models)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.resize(620, 640)

    def _states(self) -> list[ModelState]:
        return [self.models.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.models.count())]

    def _remove_selected(self) -> None:
        """Ask first: the vectors took hours to compute and cannot be had back without doing it again."""
        items = self.models.selectedItems()
        if not items:
            return
        state: ModelState = items[0].data(Qt.ItemDataRole.UserRole)
        text = self.tr("Remove the model {0} and its vectors of {1:,} photos from this library? The photos stay on "
                       "disk, and indexed for the other models.").format(state.spec or state.model_id, state.embedded)
        if state.embedded and not any(m.embedded for m in self._states() if m.model_id != state.model_id):
            text += " " + self.tr("It is the only model with vectors: nothing can be searched until every photo is "
                                  "embedded again with another model.")
        answer = QMessageBox.question(self, self.tr("Remove model"), text)
        if answer == QMessageBox.StandardButton.Yes:
            self.remove_requested.emit(state.model_id)

    def model_removed(self, model_id: str) -> None:
        for i in range(self.models.count()):
            if self.models.item(i).data(Qt.ItemDataRole.UserRole).model_id == model_id:
                self.models.takeItem(i)
                return

    def reads_text(self) -> bool | None:
        """The library's "read words inside photos" as chosen; None when it could not be changed here."""
        return self.read_text.isChecked() if self._reads_text_known else None

    def chosen(self) -> AppSettings:
        return replace(self.settings, model=self.picker.spec() or self.settings.model,
                       device=self.device.currentData(), idle_unload_min=self.idle.value(),
                       thumb_cache_mb=self.cache.value())
