"""Entry point of the `photosearch-gui` script. The PySide6 window arrives with the desktop-UI issue; until
then this says so instead of failing with an import error."""
from __future__ import annotations

import sys


def main() -> int:
    print("The PhotoSearch desktop app is not built yet; the `photosearch` command does everything "
          "(see README: add, index, watch, search).", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
