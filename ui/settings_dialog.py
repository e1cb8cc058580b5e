"""Settings: the search model, the device, freeing the text model when idle, the thumbnail cache's size."""
from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from photosearch.factory import Preset
from ui.model_picker import ModelPicker
from ui.settings import AppSettings

DEVICES = ("auto", "cpu", "cpu-int8", "cuda", "mps")


class SettingsDialog(QDialog):
    def __init__(self, settings: AppSettings, presets: list[Preset], current_model: str,
                 parent: QWidget | None = None) -> None:
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
        form = QFormLayout()
        form.addRow(self.tr("Device"), self.device)
        form.addRow(self.tr("Free the text model after"), self.idle)
        form.addRow(self.tr("Thumbnail cache"), self.cache)
        note = QLabel(self.tr("A new model indexes your photos beside the current one; searches keep using the "
                              "current model until it is done. A new device takes effect at the next start."))
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Search model")))
        layout.addWidget(scroll, 1)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.resize(620, 640)

    def chosen(self) -> AppSettings:
        return replace(self.settings, model=self.picker.spec() or self.settings.model,
                       device=self.device.currentData(), idle_unload_min=self.idle.value(),
                       thumb_cache_mb=self.cache.value())
