"""UI languages: every visible string goes through Qt's translation system (`self.tr`, `translate`); German and
Simplified Chinese ship as compiled `.qm` files (sources: `ui/i18n/*.ts`, compiled with `pyside6-lrelease`), and
the system locale picks one. Qt's own strings (standard buttons, file dialogs) come from Qt's translations.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

FOLDER = Path(__file__).parent / "i18n"
LANGUAGES = ("de", "zh_CN")


def install_translations(app: QCoreApplication, locale: QLocale | None = None) -> list[QTranslator]:
    """Load ours and Qt's translators for `locale` (default: the system's); returns them (keep them alive)."""
    locale = locale or QLocale.system()
    installed = []
    ours = QTranslator(app)
    if ours.load(locale, "photosearch", "_", str(FOLDER)):
        app.installTranslator(ours)
        installed.append(ours)
    qt = QTranslator(app)
    if qt.load(locale, "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        installed.append(qt)
    return installed
