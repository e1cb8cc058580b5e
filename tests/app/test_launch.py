"""Launching: the desktop entry and icons, a second launch handing over to the first, a library the app cannot
use answered with a dialog, and the app's strings in German and Chinese."""
from __future__ import annotations

import configparser
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, QSettings
from PySide6.QtGui import QImage

from photosearch.store import Store
from photosearch.store.schema import SCHEMA_VERSION
from ui import desktop
from ui.instance import SingleInstance


def test_install_and_uninstall_the_desktop_entry(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    files = desktop.install()
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(tmp_path / "share" / "applications" / "photosearch.desktop", encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application" and section["Icon"] == "photosearch" and section["Terminal"] == "false"
    assert "photosearch-gui" in section["Exec"] or "-m ui.app" in section["Exec"]
    assert section["Comment[de]"] and section["Comment[zh_CN]"]
    for size in desktop.PNG_SIZES:
        png = QImage(str(tmp_path / "share" / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "photosearch.png"))
        assert (png.width(), png.height()) == (size, size) and png.pixelColor(size // 2, size // 2).alpha() > 0
    assert (tmp_path / "share" / "icons" / "hicolor" / "scalable" / "apps" / "photosearch.svg").is_file()
    assert sorted(desktop.uninstall()) == sorted(files)
    assert not any(p.exists() for p in files)


def test_a_second_launch_brings_the_first_window_forward(qtbot, tmp_path: Path) -> None:
    first = SingleInstance(str(tmp_path / "lib.db"))
    assert first.listen()
    with qtbot.waitSignal(first.activated, timeout=5000):
        assert SingleInstance(str(tmp_path / "lib.db")).hand_over()
    assert not SingleInstance(str(tmp_path / "other.db")).hand_over()  # another library: its own window


def test_a_library_from_a_newer_version_gets_a_dialog_not_a_crash(qtbot, tmp_path: Path, monkeypatch) -> None:
    from ui import app as app_module

    db = tmp_path / "new.db"
    Store.open(db).close()
    import sqlean

    conn = sqlean.connect(str(db))
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    qs = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    qs.setValue("db", str(db))
    monkeypatch.setattr("ui.settings.default_qsettings", lambda: qs)
    shown: list[str] = []
    monkeypatch.setattr("PySide6.QtWidgets.QMessageBox.critical", lambda parent, title, text: shown.append(text))
    assert app_module.main(["photosearch"]) == 2
    assert shown and "newer version of PhotoSearch" in shown[0]


@pytest.mark.parametrize("locale, search, folder", [("de_DE", "Suchen", "Ordner"), ("zh_CN", "搜索", "文件夹")])
def test_the_app_speaks_the_system_language(qtbot, locale: str, search: str, folder: str) -> None:
    from ui.language import install_translations
    from ui.search_panel import SearchPanel

    app = QCoreApplication.instance()
    translators = install_translations(app, QLocale(locale))
    try:
        assert QCoreApplication.translate("SearchPanel", "Search") == search
        assert QCoreApplication.translate("FiltersBar", "Folder") == folder
        panel = SearchPanel.__new__(SearchPanel)  # tr() needs only the class
        assert panel.tr("Search") == search
    finally:
        for t in translators:
            app.removeTranslator(t)


def test_every_visible_string_is_translated() -> None:
    """Each .ts file holds every string `self.tr(...)` / `translate(ctx, ...)` asks for, none unfinished, and the
    compiled .qm files are not older than their sources."""
    import ast
    import xml.etree.ElementTree as ET

    from ui.language import FOLDER, LANGUAGES

    wanted = set()
    for py in Path(desktop.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(py.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            text = node.args[0] if name == "tr" and node.args else (
                node.args[1] if name == "translate" and len(node.args) > 1 else None)
            if isinstance(text, ast.Constant) and isinstance(text.value, str):
                wanted.add(text.value)
    assert len(wanted) > 100
    for lang in LANGUAGES:
        root = ET.parse(FOLDER / f"photosearch_{lang}.ts").getroot()
        done = {m.findtext("source"): m.find("translation") for m in root.iter("message")}
        missing = sorted(s for s in wanted if s not in done)
        unfinished = sorted(s for s, t in done.items()
                            if t is None or t.get("type") == "unfinished" or not (t.text or "").strip())
        assert not missing, (lang, missing[:10])
        assert not unfinished, (lang, unfinished[:10])
        assert (FOLDER / f"photosearch_{lang}.qm").stat().st_mtime >= (FOLDER / f"photosearch_{lang}.ts").stat().st_mtime - 1


def test_the_window_starts_without_torch() -> None:
    """Importing torch takes ~2.5 s: the window must be up before any model is needed (launch < 2 s with 100k
    photos, bench/bench_gui.py); models load in worker threads when a search or the indexer needs them."""
    code = "import sys, ui.app, ui.main_window, ui.first_run; sys.exit(1 if 'torch' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=Path(desktop.__file__).parents[1],
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}).returncode == 0


def test_the_wizard_runs_until_a_model_is_chosen_and_keeps_the_librarys_folders(qtbot, tmp_path: Path, monkeypatch) -> None:
    from photosearch.library import Library
    from ui.app import start_window
    from ui.bridge import ProgressBridge
    from ui.first_run import FirstRunWizard
    from ui.settings import AppSettings

    (tmp_path / "Photos").mkdir()
    seen: list[list[str]] = []
    monkeypatch.setattr(FirstRunWizard, "exec", lambda self: seen.append(self.folders()) or 0)  # the user cancels
    qs = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    with Library.open(tmp_path / "lib.db") as library:
        library.add_folder(tmp_path / "Photos")  # added with `photosearch add`, never indexed
        assert start_window(library, AppSettings(), qs, ProgressBridge(), thumb_dir=tmp_path / "t") is None
        assert seen == [[str(tmp_path / "Photos")]]
        window = start_window(library, AppSettings(model="longclip-b"), qs, ProgressBridge(),
                              thumb_dir=tmp_path / "t", start_indexing=False)
        qtbot.addWidget(window)
        assert window.isVisible() and len(seen) == 1  # a chosen model: straight to the window
        window.close()


@pytest.mark.parametrize("where", ["before", "after"])
def test_the_app_command_opens_the_library_db_names(tmp_path, monkeypatch, where) -> None:
    """`photosearch --db PATH app` used to open the default library (or the last one the app saved) instead."""
    from photosearch.cli import main

    opened = []
    monkeypatch.setattr("ui.app.main", lambda argv, db=None: opened.append(db) or 0)
    db = str(tmp_path / "other.db")
    args = ["--db", db, "app"] if where == "before" else ["app", "--db", db]
    assert main(args) == 0 and opened == [db]
