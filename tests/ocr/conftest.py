"""One library with words in some photos, shared by the text tests (OCR is slow on a CPU: read it once)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from indexer import Indexer
from photosearch.cli import main
from photosearch.store import Store
from tests.text_photos import cjk_font, latin_font, plain_photo, text_photo, umlaut_font
from tests.tiny.longclip import write_tiny_longclip

N_PLAIN = 16  # look-alike photos without words


@dataclass
class TextLibrary:
    db: str
    folder: Path
    model: Path
    photos: dict[str, Path]  # case name -> photo
    texts: dict[str, str]  # case name -> the words in it


@pytest.fixture(scope="package")
def text_library(tmp_path_factory: pytest.TempPathFactory) -> TextLibrary:
    root = tmp_path_factory.mktemp("textlib")
    folder = root / "Pictures"
    cases: dict[str, tuple[str, object, float, int | None]] = {
        "receipt": ("CAFE LUNA 12.50", latin_font(34), 0.0, None),
        "street": ("Harbour Street", latin_font(24), 12.0, None),  # rotated, smaller
        "upside": ("EXIT 42", latin_font(40), 180.0, None),  # the angle classifier turns it
        "turned": ("Museum Ticket", latin_font(30), 0.0, 6),  # EXIF orientation 6
    }
    if (f := umlaut_font(30)) is not None:
        cases["bakery"] = ("Bäckerei Größe", f, 0.0, None)
        cases["zurich"] = ("Zürich Übung", umlaut_font(22), -8.0, None)
    if (f := cjk_font(36)) is not None:
        cases["beijing"] = ("北京咖啡馆", f, 0.0, None)
    photos = {name: text_photo(folder / f"{name}.jpg", text, font, angle=angle, seed=i, exif_orientation=orient)  # type: ignore[arg-type]
              for i, (name, (text, font, angle, orient)) in enumerate(cases.items())}
    for i in range(N_PLAIN):
        plain_photo(folder / f"plain{i:02d}.jpg", seed=i % 4)  # same seeds as the text photos' backgrounds
    model = write_tiny_longclip(root / "m.pt")
    db = str(root / "lib.db")
    assert main(["--db", db, "add", str(folder)]) == 0
    assert main(["--db", db, "index", "--model", f"longclip:{model}"]) == 0
    return TextLibrary(db, folder, model, photos, {n: c[0] for n, c in cases.items()})


def indexer_for(db: str, encoder) -> Indexer:
    return Indexer(Store.open(db), encoder)
