"""How every benchmark reports: a heading with the date and machine, then its table, printed and appended to
`bench/RESULTS.md` (the README quotes the latest)."""
from __future__ import annotations

import os
import platform
from datetime import datetime, timezone
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def heading(name: str) -> str:
    return f"## {name} {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()} ({os.cpu_count()} cores)"


def publish(lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    print(text)
    with open(RESULTS, "a") as f:
        f.write("\n" + text)
