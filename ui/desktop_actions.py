"""What the app asks of the desktop: open a photo in its default application, show it in the file manager,
put its path on the clipboard. One object, so tests (and other platforms) replace it in one place; nothing
here goes through a shell (paths with quotes, spaces or `$` are just arguments)."""
from __future__ import annotations

import logging
import os
import subprocess
import sys

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication

from photosearch.pathtext import display_path

log = logging.getLogger(__name__)


class DesktopActions:
    def open(self, path: str) -> bool:
        return QDesktopServices.openUrl(QUrl.fromLocalFile(path))

    def reveal(self, path: str) -> bool:
        """Show the file selected in the file manager (the folder opened, where selecting is not offered)."""
        try:
            if sys.platform == "darwin":
                return subprocess.run(["open", "-R", path], check=False).returncode == 0
            if sys.platform == "win32":
                subprocess.run(["explorer", "/select,", os.path.normpath(path)], check=False)
                return True
            if self._freedesktop_show(path):
                return True
        except OSError as e:
            log.info("reveal %s: %s", display_path(path), e)
        return QDesktopServices.openUrl(QUrl.fromLocalFile(os.path.dirname(path)))

    @staticmethod
    def _freedesktop_show(path: str) -> bool:
        """org.freedesktop.FileManager1.ShowItems: Nautilus, Dolphin, Nemo, Thunar and Caja answer it."""
        try:
            from PySide6.QtDBus import QDBusConnection, QDBusInterface, QDBusMessage
        except ImportError:
            return False
        bus = QDBusConnection.sessionBus()
        if not bus.isConnected():
            return False
        iface = QDBusInterface("org.freedesktop.FileManager1", "/org/freedesktop/FileManager1",
                               "org.freedesktop.FileManager1", bus)
        if not iface.isValid():
            return False
        reply = iface.call("ShowItems", [QUrl.fromLocalFile(path).toString()], "")
        return reply.type() != QDBusMessage.MessageType.ErrorMessage

    def copy_path(self, path: str) -> None:
        QGuiApplication.clipboard().setText(display_path(path))
