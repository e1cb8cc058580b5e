"""The app's own preferences (the library file holds everything about photos and models), kept with QSettings.

Tests and the screenshot script hand in a QSettings on an ini file of their own, so nothing they do touches
the user's preferences.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from PySide6.QtCore import QSettings


@dataclass
class AppSettings:
    db: str = ""  # the library file; "" = the default ($PHOTOSEARCH_DB, else the user data folder)
    model: str = ""  # the spec the user chose; "" = the library's own (or the first-run choice pending)
    device: str = "auto"
    idle_unload_min: int = 15  # free the text tower after this many idle minutes; 0 = never
    thumb_cache_mb: int = 512  # disk cache of thumbnails

    @classmethod
    def load(cls, qs: QSettings) -> "AppSettings":
        out = cls()
        for f in fields(cls):
            value = qs.value(f.name, getattr(out, f.name))
            kind = type(getattr(out, f.name))
            try:
                setattr(out, f.name, kind(value))
            except (TypeError, ValueError):
                pass  # a hand-edited or older file: keep the default
        return out

    def save(self, qs: QSettings) -> None:
        for key, value in asdict(self).items():
            qs.setValue(key, value)
        qs.sync()


def default_qsettings() -> QSettings:
    return QSettings("PhotoSearch", "PhotoSearch")
