"""`photosearch install-desktop` / `uninstall-desktop`: a freedesktop menu entry and icons for PhotoSearch.

Written into the XDG data folder (`$XDG_DATA_HOME`, default `~/.local/share`): `applications/photosearch.desktop`
starts `photosearch-gui` of this installation, and `icons/hicolor/` gets the scalable SVG plus PNGs rendered from
it at the usual sizes. Nothing needs root, and uninstalling removes exactly what was written.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ICON = Path(__file__).parent / "icons" / "photosearch.svg"
APP_ID = "photosearch"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def gui_command() -> str:
    """The `photosearch-gui` next to this Python, else `python -m ui.app`."""
    script = Path(sys.executable).with_name("photosearch-gui")
    return f'"{script}"' if script.exists() else f'"{sys.executable}" -m ui.app'


def desktop_entry() -> str:
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Name=PhotoSearch",
        "GenericName=Photo search",
        "GenericName[de]=Fotosuche",
        "GenericName[zh_CN]=照片搜索",
        "Comment=Find photos by describing them, in any language",
        "Comment[de]=Fotos finden, indem man sie beschreibt, in jeder Sprache",
        "Comment[zh_CN]=用任何语言描述照片来找到它",
        f"Exec={gui_command()} %F",
        f"Icon={APP_ID}",
        "Terminal=false",
        "Categories=Graphics;Photography;Viewer;",
        "Keywords=photo;image;search;picture;",
        "MimeType=image/jpeg;image/png;image/heic;image/webp;",
        "StartupWMClass=photosearch",
        "",
    ])


def installed_files(base: Path | None = None) -> list[Path]:
    base = base or data_home()
    icons = base / "icons" / "hicolor"
    return [base / "applications" / f"{APP_ID}.desktop", icons / "scalable" / "apps" / f"{APP_ID}.svg",
            *(icons / f"{n}x{n}" / "apps" / f"{APP_ID}.png" for n in PNG_SIZES)]


def render_png(size: int, target: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(["photosearch", "-platform", "offscreen"])  # noqa: F841
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(ICON)).render(painter)
    painter.end()
    target.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(target), "PNG"):
        raise OSError(f"cannot write {target}")


def install(base: Path | None = None) -> list[Path]:
    files = installed_files(base)
    entry, svg, pngs = files[0], files[1], files[2:]
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.write_text(desktop_entry(), encoding="utf-8")
    svg.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ICON, svg)
    for size, png in zip(PNG_SIZES, pngs):
        render_png(size, png)
    _refresh_caches(base or data_home())
    return files


def uninstall(base: Path | None = None) -> list[Path]:
    removed = []
    for path in installed_files(base):
        if path.exists():
            path.unlink()
            removed.append(path)
    _refresh_caches(base or data_home())
    return removed


def _refresh_caches(base: Path) -> None:
    """Menus and icon themes cache what they know; tell them (best effort: the tools may not exist)."""
    for command in (["update-desktop-database", str(base / "applications")],
                    ["gtk-update-icon-cache", "-f", "-t", str(base / "icons" / "hicolor")]):
        if shutil.which(command[0]):
            subprocess.run(command, check=False, capture_output=True)
