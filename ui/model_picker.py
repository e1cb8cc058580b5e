"""Choosing a model, for the first run and for Settings: each preset with its download size, languages, how many
words a query may hold and how long indexing this library would take on this machine; or a local model folder
(a fine-tuned model, or released files downloaded by hand)."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QFrame,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from photosearch.catalog import DeviceKind, PresetCard, describe_duration, recommended
from photosearch.errors import PhotoSearchError
from photosearch.factory import Preset, spec_for_folder


class ModelPicker(QWidget):
    """Radio buttons, one per preset (plus the local model once chosen); `spec()` is the selection."""

    changed = Signal()

    def __init__(self, presets: list[Preset], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        presets = [p for p in presets if not p.card.get("hidden")]  # a name's former meaning: not offered
        self.presets = presets
        self.device: DeviceKind | None = None
        self.photos: int | None = None
        self.group = QButtonGroup(self)
        self.group.buttonToggled.connect(lambda *_: self.changed.emit())
        self.buttons: dict[str, QRadioButton] = {}
        self.details: dict[str, QLabel] = {}
        layout = QVBoxLayout(self)
        self.machine = QLabel(self.tr("Checking this computer\u2026"))
        self.machine.setWordWrap(True)
        layout.addWidget(self.machine)
        self.reason = QLabel()  # why the preselected model is this machine's default, in one line
        self.reason.setWordWrap(True)
        layout.addWidget(self.reason)
        for preset in presets:
            card = PresetCard.of(preset)
            button = QRadioButton(card.title)
            button.setProperty("spec", preset.name)
            detail = QLabel()
            detail.setWordWrap(True)
            detail.setIndent(24)
            detail.setTextFormat(Qt.TextFormat.PlainText)
            self.group.addButton(button)
            self.buttons[preset.name] = button
            self.details[preset.name] = detail
            layout.addWidget(button)
            layout.addWidget(detail)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        layout.addWidget(line)
        self.local = QRadioButton(self.tr("A local model folder"))
        self.local.setProperty("spec", "")
        self.local.hide()
        self.group.addButton(self.local)
        layout.addWidget(self.local)
        choose = QPushButton(self.tr("Use a local model folder\u2026"))
        choose.setToolTip(self.tr("A fine-tuned model, or a released model's files downloaded by hand"))
        choose.clicked.connect(self._choose_folder)
        self.local_error = QLabel()
        self.local_error.setWordWrap(True)
        self.local_error.hide()
        layout.addWidget(choose, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.local_error)
        layout.addStretch(1)
        self._describe()

    def spec(self) -> str:
        button = self.group.checkedButton()
        return str(button.property("spec")) if button else ""

    def select(self, spec: str) -> None:
        if spec in self.buttons:
            self.buttons[spec].setChecked(True)
        elif spec:
            self.use_local(spec)

    def use_local(self, spec: str) -> None:
        self.local.setProperty("spec", spec)
        self.local.setText(self.tr("A local model: {0}").format(spec))
        self.local.show()
        self.local.setChecked(True)

    def set_machine(self, device: DeviceKind, photos: int | None) -> None:
        """Device known and (maybe) the library's size: fill in estimates, preselect the machine's default."""
        self.device, self.photos = device, photos
        if not self.group.checkedButton():
            best = recommended(self.presets, device)
            if best is not None:
                self.buttons[best.name].setChecked(True)
        self._describe()

    def _describe(self) -> None:
        device = self.device
        if device is None:
            self.machine.setText(self.tr("Checking this computer\u2026"))
        elif device == DeviceKind.CPU:
            self.machine.setText(self.tr(
                "This computer has no GPU PhotoSearch can use, so indexing runs on the processor. The LLM2CLIP "
                "models read the longest and most multilingual queries but need hours for every 10,000 photos "
                "here; the faster models below index the same photos in minutes."))
        else:
            self.machine.setText(self.tr("This computer has a GPU ({0}): every model indexes quickly.").format(device.value))
        best = recommended(self.presets, device) if device else None
        self.reason.setText(self._reason(best, device) if best is not None and device is not None else "")
        for preset in self.presets:
            card = PresetCard.of(preset)
            langs = self.tr("any language") if card.multilingual else self.tr("English only")
            parts = [langs, self.tr("queries of up to {0} words").format(card.max_words) if card.max_words else "",
                     self.tr("{0:.1f} GB download").format(card.download_bytes / 1e9) if card.download_bytes else ""]
            if device is not None:
                if self.photos and (secs := card.index_seconds(self.photos, device)):
                    parts.append(self.tr("about {0} to index your {1:,} photos here").format(describe_duration(secs), self.photos))
                if per10k := card.index_seconds(10_000, device):
                    parts.append(self.tr("{0} per 10,000 photos").format(describe_duration(per10k)))
            if card.needs_gpu and device == DeviceKind.CPU:
                parts.append(self.tr("needs a GPU"))
            recommended_here = best is not None and preset.name == best.name
            self.buttons[preset.name].setText(card.title + ("  \u2605 " + self.tr("recommended for this computer")
                                                            if recommended_here else ""))
            self.details[preset.name].setText(" \u00b7 ".join(p for p in parts if p))

    def _reason(self, best: Preset, device: DeviceKind) -> str:
        """The trade-off behind the preselection (the rule is `catalog.recommended`; figures in README)."""
        card = PresetCard.of(best)
        if device == DeviceKind.CUDA:
            return self.tr("\u2605 {0}: with a GPU the LLM2CLIP models index quickly and read the longest queries, "
                           "in any language").format(card.title)
        per10k = card.index_seconds(10_000, device)
        if card.multilingual and per10k:
            return self.tr("\u2605 {0}: without a GPU it indexes 10,000 photos in about {1} and reads queries in any "
                           "language; LLM2CLIP would take most of a day, Long-CLIP reads English only").format(
                card.title, describe_duration(per10k))
        return self.tr("\u2605 {0}: the fastest model on this computer").format(card.title)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Choose a model folder"))
        if not folder:
            return
        try:
            spec = spec_for_folder(folder)
        except PhotoSearchError as e:
            self.local_error.setText(str(e))
            self.local_error.show()
            return
        self.local_error.hide()
        self.use_local(spec)
