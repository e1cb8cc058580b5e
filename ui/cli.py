"""`photosearch app`, `install-desktop` and `uninstall-desktop`, added to the CLI through the `photosearch.cli`
entry point (the core never imports the UI). PySide6 loads only when one of them runs."""
from __future__ import annotations

import argparse
import sys
from typing import Callable


def cmd_app(args: argparse.Namespace) -> int:
    from ui.app import main

    return main([sys.argv[0]], db=getattr(args, "db", None))  # `photosearch --db PATH app` opens that library


def cmd_install_desktop(args: argparse.Namespace) -> int:
    from ui.desktop import install

    files = install()
    print(f"installed the PhotoSearch menu entry and icons ({len(files)} files), e.g. {files[0]}")
    return 0


def cmd_uninstall_desktop(args: argparse.Namespace) -> int:
    from ui.desktop import uninstall

    removed = uninstall()
    print(f"removed {len(removed)} files" if removed else "nothing to remove: the menu entry was not installed")
    return 0


def register(sub: argparse._SubParsersAction, library: Callable[[str, str], argparse.ArgumentParser]) -> None:
    library("app", "open the desktop app (on --db PATH if given)").set_defaults(func=cmd_app)
    sub.add_parser("install-desktop", help="add PhotoSearch to the desktop's application menu (Linux)").set_defaults(
        func=cmd_install_desktop)
    sub.add_parser("uninstall-desktop", help="remove the menu entry and icons again").set_defaults(
        func=cmd_uninstall_desktop)
