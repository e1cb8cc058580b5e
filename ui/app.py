"""`photosearch-gui` (and `photosearch app`): the desktop app's start.

Logs go to the user log folder (a GUI script has no console). A second launch brings the running window
forward. A library file that cannot be used (written by a newer PhotoSearch, unreadable, on a disk that is
gone) gets a dialog that says so instead of a crash. The first run asks for folders and a model.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Sequence

log = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None, db: str | None = None) -> int:
    """The app on `db` (`photosearch --db PATH app`), else the library the settings name, else the default one."""
    from photosearch.logs import setup_logging

    setup_logging(stderr_level=logging.ERROR)
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication, QMessageBox

    from photosearch.errors import LibraryError, LibraryTooNew
    from photosearch.library import Library
    from photosearch.query_server import QueryServer
    from photosearch.store import default_db_path
    from ui.bridge import ProgressBridge
    from ui.language import install_translations
    from ui.instance import SingleInstance
    from ui.settings import AppSettings, default_qsettings
    from ui.theme import follow_system_theme

    app = QApplication.instance() or QApplication(list(argv) if argv is not None else sys.argv)
    app.setApplicationName("PhotoSearch")
    app.setOrganizationName("PhotoSearch")
    app.setDesktopFileName("photosearch")
    app.setWindowIcon(QIcon(str(Path(__file__).parent / "icons" / "photosearch.svg")))
    translators = install_translations(app)  # noqa: F841 - kept alive for the app's lifetime
    follow_system_theme(app)
    qsettings = default_qsettings()
    settings = AppSettings.load(qsettings)
    db = db or settings.db or str(default_db_path())
    instance = SingleInstance(db)
    if instance.hand_over():
        return 0
    instance.listen()

    bridge = ProgressBridge()
    try:
        library = Library.open(db, device=settings.device, progress=bridge)
    except LibraryTooNew as e:
        QMessageBox.critical(None, "PhotoSearch", app.translate(
            "app", "This library was made by a newer version of PhotoSearch, so this version leaves it "
                   "untouched. Update PhotoSearch to use it.\n\n{0}").format(e))
        return 2
    except LibraryError as e:
        QMessageBox.critical(None, "PhotoSearch", app.translate("app", "The library cannot be opened.\n\n{0}").format(e))
        return 2

    window = start_window(library, settings, qsettings, bridge)
    if window is None:
        library.close()
        return 0
    instance.activated.connect(lambda: (window.showNormal(), window.raise_(), window.activateWindow()))
    server = QueryServer(library)  # CLI searches ask the app, whose model is loaded, instead of loading one
    server.start()
    code = app.exec()
    server.close()
    library.close()
    return code


def start_window(library, settings, qsettings, bridge, **window_options):
    """The first-run wizard while no model is chosen, then the main window (None if the wizard was cancelled)."""
    from photosearch.factory import list_presets
    from ui.first_run import FirstRunWizard
    from ui.main_window import MainWindow

    presets = window_options.pop("presets", None) or list_presets()
    if not settings.model and not library.model_specs():  # a new library, or folders added but never indexed
        wizard = FirstRunWizard(presets, folders=[f.path for f in library.folders()])
        if wizard.exec() != FirstRunWizard.DialogCode.Accepted:
            return None
        for folder in wizard.folders():
            library.add_folder(folder)
        settings.model = wizard.model_spec()
    settings.save(qsettings)
    window = MainWindow(library, settings, qsettings, bridge, presets=presets, **window_options)
    window.show()
    return window


if __name__ == "__main__":
    sys.exit(main())
