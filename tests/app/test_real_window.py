"""A real window on a real X server (Xvfb): the screenshot script runs the app, grabs its windows from the screen
and saves them. `.ci/run` installs Debian's xvfb; where it is missing the test says so and skips."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def xvfb() -> str:
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb; .ci/run does)")
    read, write = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1400x900x24", "-nolisten", "tcp"],
                              pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as f:
        number = f.readline().strip()
    if not number:
        server.kill()
        pytest.fail("Xvfb did not start")
    yield f":{number}"
    server.terminate()
    server.wait(10)


def test_screenshots_of_real_windows(xvfb: str, tmp_path: Path) -> None:
    env = {**os.environ, "DISPLAY": xvfb, "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": str(REPO),
           "XDG_RUNTIME_DIR": str(tmp_path), "PHOTOSEARCH_LOG_DIR": str(tmp_path / "logs")}
    out = tmp_path / "shots"
    run = subprocess.run([sys.executable, str(REPO / "docs" / "render_screenshots.py"), "--screen", "--out", str(out),
                          "--workdir", str(tmp_path / "demo")], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    for name, least in (("main", 20), ("detail", 20), ("first-run", 5)):  # the wizard is text and widgets only
        image = QImage(str(out / f"{name}.png"))
        assert image.width() >= 700 and image.height() >= 500, name
        colors = {image.pixel(x, y) for x in range(0, image.width(), 37) for y in range(0, image.height(), 41)}
        assert len(colors) > least, f"{name}.png looks blank"  # thumbnails, text and widgets were really drawn
