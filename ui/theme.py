"""Follow the system's light or dark appearance, and change with it while the app runs.

Qt 6.5+ reports the system scheme (`QStyleHints.colorScheme`). The Fusion style with a matching palette looks
the same on every platform and honours both; on desktops without a platform theme (plain X11, Xvfb) it is
what gives the app a consistent look at all.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication


def is_dark() -> bool:
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def _dark_palette() -> QPalette:
    p = QPalette()
    colors = {
        QPalette.ColorRole.Window: "#1e1f22", QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#17181a", QPalette.ColorRole.AlternateBase: "#232428",
        QPalette.ColorRole.Text: "#e6e6e6", QPalette.ColorRole.Button: "#2b2d31",
        QPalette.ColorRole.ButtonText: "#e6e6e6", QPalette.ColorRole.Highlight: "#3d7bfd",
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#2b2d31",
        QPalette.ColorRole.ToolTipText: "#e6e6e6", QPalette.ColorRole.PlaceholderText: "#8b8d93",
        QPalette.ColorRole.Link: "#6ea1ff", QPalette.ColorRole.Mid: "#3a3c42",
    }
    for role, color in colors.items():
        p.setColor(role, QColor(color))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b6d73"))
    return p


def apply_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    app.setPalette(_dark_palette() if is_dark() else app.style().standardPalette())


def follow_system_theme(app: QApplication) -> None:
    apply_theme(app)
    QGuiApplication.styleHints().colorSchemeChanged.connect(lambda *_: apply_theme(app))


def text_highlight() -> tuple[QColor, QColor]:
    """(fill, outline) of the boxes drawn over the matched words in a photo: a marker yellow, translucent enough to
    read the words through it, the same in light and dark mode because it lies on the photo, not on the window."""
    return QColor(255, 214, 0, 80), QColor(255, 170, 0, 230)
