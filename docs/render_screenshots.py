"""Render the README's screenshots with the app itself, from a generated demo library.

    python docs/render_screenshots.py [--out docs/screenshots] [--model SPEC] [--screen] [--dark] [--text-only]

The demo library is made of procedural landscape photos (sky, sun or moon, hills, a lake, houses, with EXIF
dates and cameras) in a temporary folder. Without `--model` the model is a tiny random Long-CLIP, so the
ranking shown is arbitrary; with a real model (`--model longclip-b`, already downloaded) it is the real one.
`--screen` grabs the real window from the screen (under X11/Xvfb) instead of rendering the widget.
`--text-only` adds a photographed receipt to the library and renders only `text_highlight.png`: the detail view
of the receipt found by the words on it, with the matched words boxed (the app reads them while it indexes).
"""
from __future__ import annotations

import argparse
import math
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

QUERIES = {
    "": ("A quiet lake at sunset with orange sky and dark hills behind it, a small red house on the shore and its "
         "reflection in the water, late summer evening"),
    "de": ("Ein stiller See bei Sonnenuntergang, orangefarbener Himmel und dunkle Hügel dahinter, ein kleines rotes "
           "Haus am Ufer, das sich im Wasser spiegelt, ein später Sommerabend"),
    "zh_CN": "夕阳下宁静的湖泊，橙色的天空和后面深色的山丘，岸边有一座红色的小房子倒映在水中，夏末的傍晚",
}


def landscape(path: Path, seed: int) -> None:
    from PIL import Image, ImageDraw

    from tests.photo_tree import build_exif

    rng = random.Random(seed)
    w, h = 640, 440
    kind = rng.choice(["night", "sunset", "sunset", "day", "day", "day"])
    night = kind == "night"
    top = {"night": (15, 20, 60), "sunset": rng.choice([(240, 120, 60), (200, 90, 120), (250, 170, 80)]),
           "day": rng.choice([(90, 150, 230), (150, 190, 240), (120, 170, 220)])}[kind]
    bottom = (40, 40, 90) if night else (min(255, top[0] + 40), min(255, top[1] + 70), min(255, top[2] + 60))
    im = Image.new("RGB", (w, h))
    d = ImageDraw.Draw(im)
    for y in range(h):
        t = y / h
        d.line([(0, y), (w, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom)))
    sx, sy, r = rng.randint(60, w - 60), rng.randint(40, 160), rng.randint(22, 40)
    d.ellipse([sx - r, sy - r, sx + r, sy + r], fill=(245, 245, 225) if night else (255, 215, 90))
    for layer in range(3):
        base = 220 + layer * 50
        color = tuple(int(c * (0.5 + 0.15 * layer)) for c in (60, 110, 70)) if not night else (20, 25, 40)
        pts = [(0, h)] + [(x, base - 60 * math.sin(x / (70 + 30 * layer) + seed + layer) - rng.randint(0, 20))
                          for x in range(0, w + 40, 40)] + [(w, h)]
        d.polygon(pts, fill=color)
    if rng.random() < 0.6:
        d.rectangle([0, 340, w, h], fill=(70, 110, 160) if not night else (25, 30, 60))
    for _ in range(rng.randint(0, 3)):
        x = rng.randint(20, w - 80)
        color = rng.choice([(200, 40, 40), (240, 230, 210), (250, 200, 40), (60, 60, 200)])
        d.rectangle([x, 290, x + 50, 330], fill=color)
        d.polygon([(x - 6, 290), (x + 25, 265), (x + 56, 290)], fill=(90, 50, 40))
    year = 2016 + seed % 9
    make, model = rng.choice([("Canon", "EOS R6"), ("FUJIFILM", "X-T4"), ("Apple", "iPhone 13"), (None, None)])
    exif = build_exif(taken_at=f"{year}:{1 + seed % 12:02d}:{1 + seed % 27:02d} {8 + seed % 12:02d}:30:00",
                      make=make, model=model, gps=(46.5 + rng.random(), 7.5 + rng.random()) if rng.random() < 0.4 else None)
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path, "JPEG", quality=88, exif=exif)


def receipt(path: Path) -> None:
    """A till receipt lying slightly askew on a wooden table, photographed from above."""
    from PIL import Image, ImageDraw, ImageFilter

    from tests.photo_tree import build_exif
    from tests.text_photos import latin_font, umlaut_font

    rng = random.Random(7)
    w, h = 1200, 900
    table = Image.new("RGB", (w, h))
    d = ImageDraw.Draw(table)
    for y in range(h):  # wood grain: brown bands with a little noise
        shade = 110 + int(18 * math.sin(y / 9.0) + 10 * math.sin(y / 37.0)) + rng.randint(-4, 4)
        d.line([(0, y), (w, y)], fill=(shade + 40, shade, shade - 45))
    font = umlaut_font(44) or latin_font(44)
    small = umlaut_font(34) or latin_font(34)
    lines = [("CAFÉ LUNA", font), ("Harbour Street 12", small), ("", small), ("Espresso      2.80", small),
             ("Croissant     3.20", small), ("Orange juice  4.50", small), ("", small), ("TOTAL        10.50", font),
             ("Thank you!", small)]
    paper = Image.new("RGBA", (560, 700), (250, 248, 240, 255))
    pd = ImageDraw.Draw(paper)
    y = 40
    for text, f in lines:
        if text:
            left, top, right, bottom = f.getbbox(text)
            pd.text(((560 - (right - left)) // 2 - left, y - top), text, font=f, fill=(30, 30, 35, 255))
        y += 62
    paper = paper.rotate(-6, expand=True, resample=Image.Resampling.BICUBIC)
    shadow = Image.new("RGBA", paper.size, (0, 0, 0, 0))
    shadow.paste((0, 0, 0, 110), mask=paper.split()[3])
    x0, y0 = (w - paper.width) // 2, (h - paper.height) // 2
    table.paste(shadow.filter(ImageFilter.GaussianBlur(8)), (x0 + 14, y0 + 16), shadow.filter(ImageFilter.GaussianBlur(8)))
    table.paste(paper, (x0, y0), paper)
    path.parent.mkdir(parents=True, exist_ok=True)
    table.save(path, "JPEG", quality=90, exif=build_exif(taken_at="2024:05:18 12:41:00", make="Apple", model="iPhone 13"))


def build_demo(base: Path, photos: int = 90) -> tuple[Path, Path]:
    from tests.tiny.longclip import write_tiny_longclip

    root = base / "Pictures"
    if not root.exists():
        for i in range(photos):
            folder = ["Holidays 2023", "Family", "Weekend hikes"][i % 3]
            landscape(root / folder / f"IMG_{1000 + i}.jpg", i)
    return root, write_tiny_longclip(base / "demo-model.pt")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--workdir", type=Path, default=None, help="keep the demo library here")
    parser.add_argument("--model", default=None, help="a real model spec instead of the tiny random one")
    parser.add_argument("--screen", action="store_true", help="grab the real window from the screen (X11)")
    parser.add_argument("--dark", action="store_true", help="render with the dark palette")
    parser.add_argument("--lang", default=None, help="UI language, e.g. de or zh_CN (default: the system's)")
    parser.add_argument("--text-only", action="store_true", help="only the detail view of a photo found by its words")
    args = parser.parse_args()

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from indexer import IndexerConfig, PipelineConfig, WatchConfig
    from indexer.text_stage import TextConfig
    from photosearch.library import Library
    from photosearch.store import FileStatus
    from ui import theme
    from ui.bridge import ProgressBridge
    from ui.first_run import FirstRunWizard
    from ui.main_window import MainWindow
    from ui.settings import AppSettings

    work = args.workdir or Path(tempfile.mkdtemp(prefix="photosearch-demo-"))
    photos, tiny = build_demo(work)
    if args.text_only:
        receipt(photos / "Receipts" / "IMG_2041.jpg")
    app = QApplication.instance() or QApplication(sys.argv)
    from PySide6.QtCore import QLocale

    from ui.language import install_translations

    translators = install_translations(app, QLocale(args.lang) if args.lang else None)  # noqa: F841
    app.setStyle("Fusion")
    if args.dark:
        app.setPalette(theme._dark_palette())
    else:
        theme.apply_theme(app)
    args.out.mkdir(parents=True, exist_ok=True)

    def wait(cond, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > deadline:
                raise TimeoutError("the demo did not get there in time")
            app.processEvents()
            time.sleep(0.01)

    def shoot(widget, name: str) -> Path:
        for _ in range(20):
            app.processEvents()
            time.sleep(0.02)
        if args.screen:
            image = widget.screen().grabWindow(widget.winId())
        else:
            image = widget.grab()
        out = args.out / f"{name}{'-' + args.lang if args.lang else ''}{'-dark' if args.dark else ''}.png"
        image.save(str(out))
        print(out)
        return out

    bridge = ProgressBridge()
    library = Library.open(work / "library.db", progress=bridge)
    library.add_folder(photos)
    settings = AppSettings(model=args.model or f"longclip:{tiny}")
    qs = QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(library, settings, qs, bridge, thumb_dir=work / "thumbs",
                        index_config=IndexerConfig(pipeline=PipelineConfig(batch_size=16), watch=WatchConfig(quiet_s=0.5),
                                                   text=TextConfig(idle_poll_s=0.5)))
    window.resize(1280, 820)
    window.show()
    wait(lambda: library.status().files[FileStatus.INDEXED] == sum(1 for _ in photos.rglob("*.jpg")))
    if args.text_only:
        wait(lambda: (t := library.status().text) is not None and t.total > 0 and t.read == t.total, timeout=600)
        window.refresh_status()
        window.search_panel.query.setPlainText("the receipt from Café Luna")
        window.run_search()
        wait(lambda: window.results.rowCount() > 0 and window.results.result(0).matched)
        window.show_detail(0)
        wait(lambda: bool(window.detail.preview.highlight_polygons()))
        wait(lambda: window.detail.fields["camera"].text() != "")
        shoot(window, "text_highlight")
        window.close()
        library.close()
        return 0
    window.search_panel.query.setPlainText(QUERIES.get(args.lang or "", QUERIES[""]))
    window.run_search()
    wait(lambda: window.results.rowCount() > 0)
    for row in range(min(40, window.results.rowCount())):
        window.results.data(window.results.index(row), 1)  # DecorationRole: ask for the visible thumbnails
    window.thumbnails.wait()
    wait(lambda: window.search_panel.words.text() != "")
    shoot(window, "main")
    window.show_detail(0)
    wait(lambda: window.detail.preview.pixmap() is not None and not window.detail.preview.pixmap().isNull())
    wait(lambda: window.detail.fields["camera"].text() != "")
    shoot(window, "detail")
    window.show_grid()

    wizard = FirstRunWizard(window.presets)
    wizard.folders_page.list.clear()
    wizard.folders_page.add_folder(str(photos))
    wizard.resize(760, 640)
    wizard.show()
    wait(lambda: wizard.folders_page.photos is not None)
    wizard.next()
    wait(lambda: wizard.model_page.picker.device is not None)
    shoot(wizard, "first-run")
    wizard.close()

    from finetune.synthetic import make_album
    from ui.finetune_window import FinetuneWindow

    make_album(work / "album", 96, seed=5, size=64)
    finetune = FinetuneWindow(settings.model, out_root=work / "runs", parent=window)
    finetune.resize(760, 720)
    finetune.show()
    finetune.album.setText(str(work / "album"))
    finetune._check_album()
    wait(lambda: "train" in finetune.album_info.text())
    finetune.epochs.setValue(60)
    finetune.start()
    wait(lambda: finetune.use_button.isVisible(), timeout=600)
    finetune.table.hide()  # the loss curve first, then the table
    finetune.plot.show()
    shoot(finetune, "finetune-loss")
    finetune.table.show()
    shoot(finetune, "finetune")
    finetune.close()
    window.close()
    library.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
