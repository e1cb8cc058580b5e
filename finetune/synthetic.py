"""Synthetic captioned albums for fine-tuning tests and benchmarks.

Each scene is a plain background with two to four shapes (circle, square, triangle, star, ring) in
different colours at different places (left, right, top, bottom, centre). Exactly one shape is large: it is
the most salient object, and the first sentence of the long caption names it and nothing else, so that
sentence is the short caption (the same one `finetune.captions.short_caption` cuts from the long caption).
The long caption is a paragraph of 3-5 sentences: the salient shape, then every other shape in a shuffled
order, then the background. The sentences are worded by `finetune.synthetic_captions` (hand-written
templates and grammar in English, German, French, Spanish and Chinese); this module builds the scenes,
renders them, and writes albums.

Why these scenes: a CLIP-style model fine-tuned on long captions should tell apart two photos that
differ only in a detail its short caption never mentions. `make_pair` builds exactly such pairs: the same
scene and wording except the colour (or shape) of the last-described object, which the long caption
mentions in its second-to-last sentence.

Everything is deterministic for a given seed (Python's `random.Random` with int or str seeds, and PIL's
JPEG encoder). A 128 x 128 scene renders and saves in well under a millisecond.
"""

from __future__ import annotations

import json
import math
import os
import random
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path

from PIL import Image, ImageDraw

from finetune.synthetic_captions import TEMPLATES, background_words, check_language, fill
from photosearch.errors import InvalidInput

__all__ = [
    "COLOURS",
    "SHAPES",
    "POSITIONS",
    "SIZES",
    "MANIFEST_NAME",
    "Detail",
    "SceneObject",
    "SyntheticScene",
    "random_scene",
    "make_pair",
    "render",
    "object_box",
    "recolour_details",
    "make_album",
    "write_album",
]

COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (215, 35, 35),
    "green": (35, 160, 65),
    "blue": (35, 75, 215),
    "yellow": (245, 215, 35),
    "orange": (245, 135, 25),
    "purple": (130, 55, 175),
    "white": (245, 245, 245),
    "black": (20, 20, 20),
    "brown": (120, 75, 35),
    "grey": (128, 128, 128),
}
SHAPES: tuple[str, ...] = ("circle", "square", "triangle", "star", "ring")
POSITIONS: tuple[str, ...] = ("left", "right", "top", "bottom", "centre")
SIZES: tuple[str, ...] = ("small", "large")
MANIFEST_NAME = "captions.jsonl"

_CENTRES = {"left": (0.2, 0.5), "right": (0.8, 0.5), "top": (0.5, 0.2), "bottom": (0.5, 0.8), "centre": (0.5, 0.5)}
_RADIUS = {"small": 0.08, "large": 0.16}


class Detail(Enum):
    """What a `make_pair` pair differs in: an attribute of the last-described object."""

    COLOUR = "colour"
    SHAPE = "shape"


@dataclass(frozen=True)
class SceneObject:
    shape: str
    colour: str
    size: str
    position: str


@dataclass(frozen=True)
class SyntheticScene:
    """One scene. `objects[0]` is the large, salient one; `order` is the order the long caption describes
    the objects in (always starting with 0); `style` picks the sentence templates, so two scenes with the
    same `style` and `order` are worded identically apart from the objects' attributes."""

    objects: tuple[SceneObject, ...]
    background: str
    order: tuple[int, ...]
    style: int
    lang: str
    path: Path | None = None
    pair: int | None = field(default=None, compare=False)

    @property
    def salient(self) -> SceneObject:
        return self.objects[0]

    @property
    def last_described(self) -> SceneObject:
        return self.objects[self.order[-1]]

    def sentences(self, lang: str | None = None) -> list[str]:
        """The long caption's sentences: salient object, the others in `order`, the background."""
        lang = lang or self.lang
        t = TEMPLATES[lang]
        rng = random.Random(f"{self.style}:{lang}")
        out = [fill(rng.choice(t.salient), self.salient, lang)]
        for i in self.order[1:]:
            out.append(fill(rng.choice(t.other), self.objects[i], lang))
        out.append(rng.choice(t.background).format(**background_words(self.background, lang)))
        return out

    def long_caption(self, lang: str | None = None) -> str:
        return TEMPLATES[lang or self.lang].joiner.join(self.sentences(lang))

    def short_caption(self, lang: str | None = None) -> str:
        return self.sentences(lang)[0]

    def record(self, base: Path | None = None) -> dict[str, object]:
        """The scene's manifest line: path (relative to `base` when given), captions, lang, and its pair id."""
        path = self.path.relative_to(base).as_posix() if (self.path and base) else str(self.path)
        rec: dict[str, object] = {
            "path": path,
            "caption": self.long_caption(),
            "short_caption": self.short_caption(),
            "lang": self.lang,
        }
        if self.pair is not None:
            rec["pair"] = self.pair
        return rec


# --------------------------------------------------------------------------- scenes


def random_scene(rng: random.Random, lang: str = "en", n_objects: tuple[int, int] = (2, 4)) -> SyntheticScene:
    """A scene with between n_objects[0] and n_objects[1] shapes, all colours distinct, one per position."""
    check_language(lang)
    lo, hi = n_objects
    if not 1 <= lo <= hi <= len(POSITIONS):
        raise InvalidInput(f"n_objects must be a range within 1..{len(POSITIONS)}, got {n_objects}.")
    n = rng.randint(lo, hi)
    colours = rng.sample(sorted(COLOURS), n + 1)
    positions = rng.sample(POSITIONS, n)
    objects = tuple(
        SceneObject(rng.choice(SHAPES), colours[i + 1], "large" if i == 0 else "small", positions[i]) for i in range(n)
    )
    rest = list(range(1, n))
    rng.shuffle(rest)
    return SyntheticScene(objects, colours[0], (0, *rest), rng.randrange(1 << 30), lang)


def make_pair(
    rng: random.Random, lang: str = "en", detail: Detail = Detail.COLOUR, n_objects: tuple[int, int] = (3, 4)
) -> tuple[SyntheticScene, SyntheticScene]:
    """Two scenes identical but for `detail` of the last-described object.

    At least three objects, so the detail comes after two full sentences (past the first ~20 words that a
    short caption or a 77-token CLIP would read). The short captions are equal; the long captions differ
    only in the words for that detail.
    """
    if n_objects[0] < 3:
        raise InvalidInput(f"a pair needs at least 3 objects so the detail is mentioned late, got {n_objects}.")
    a = random_scene(rng, lang, n_objects)
    index = a.order[-1]
    obj = a.objects[index]
    if detail is Detail.COLOUR:
        used = {a.background, *(o.colour for o in a.objects)}
        changed = replace(obj, colour=rng.choice(sorted(set(COLOURS) - used)))
    else:
        changed = replace(obj, shape=rng.choice([s for s in SHAPES if s != obj.shape]))
    objects = tuple(changed if i == index else o for i, o in enumerate(a.objects))
    return a, replace(a, objects=objects)


def render(scene: SyntheticScene, size: int = 128) -> Image.Image:
    """The scene as an RGB image: background, then every shape (the large one first)."""
    im = Image.new("RGB", (size, size), COLOURS[scene.background])
    draw = ImageDraw.Draw(im)
    for obj in scene.objects:
        _draw(draw, obj, size)
    return im


def object_box(obj: SceneObject, size: int = 128) -> tuple[int, int, int, int]:
    """The pixel box (left, top, right, bottom) an object is drawn in."""
    fx, fy = _CENTRES[obj.position]
    cx, cy, r = fx * size, fy * size, _RADIUS[obj.size] * size
    return int(cx - r), int(cy - r), int(cx + r) + 1, int(cy + r) + 1


def _draw(draw: ImageDraw.ImageDraw, obj: SceneObject, size: int) -> None:
    fx, fy = _CENTRES[obj.position]
    cx, cy, r = fx * size, fy * size, _RADIUS[obj.size] * size
    fill = COLOURS[obj.colour]
    box = (cx - r, cy - r, cx + r, cy + r)
    if obj.shape == "circle":
        draw.ellipse(box, fill=fill)
    elif obj.shape == "square":
        s = r * 0.85
        draw.rectangle((cx - s, cy - s, cx + s, cy + s), fill=fill)
    elif obj.shape == "triangle":
        draw.polygon([(cx, cy - r), (cx + r, cy + r * 0.8), (cx - r, cy + r * 0.8)], fill=fill)
    elif obj.shape == "star":
        points = []
        for k in range(10):  # five outer and five inner corners
            radius = r if k % 2 == 0 else r * 0.42
            angle = -math.pi / 2 + k * math.pi / 5
            points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
        draw.polygon(points, fill=fill)
    elif obj.shape == "ring":
        draw.ellipse(box, outline=fill, width=max(2, int(r / 3)))
    else:
        raise InvalidInput(f"unknown shape {obj.shape!r}: use one of {', '.join(SHAPES)}.")


# --------------------------------------------------------------------------- albums


def recolour_details(rng: random.Random, scene: SyntheticScene) -> SyntheticScene:
    """The same scene with every small object in a new colour (all colours still distinct): the salient object,
    the background and the short caption stay; only what the paragraph says after its first sentence changes."""
    colours = rng.sample(sorted(set(COLOURS) - {scene.background, scene.salient.colour}), len(scene.objects) - 1)
    objects = (scene.salient, *(replace(o, colour=c) for o, c in zip(scene.objects[1:], colours)))
    return replace(scene, objects=objects)


def make_album(
    folder: str | os.PathLike[str],
    n: int,
    seed: int = 0,
    languages: tuple[str, ...] = ("en", "de", "fr", "zh"),
    sidecars: bool = True,
    manifest: bool = True,
    *,
    pairs: int = 0,
    detail: Detail = Detail.COLOUR,
    size: int = 128,
    n_objects: tuple[int, int] = (2, 4),
    burst: int = 1,
) -> list[SyntheticScene]:
    """Write `n` random scenes (``scene_0000.jpg``...) plus `pairs` pairs (``pair_000_a.jpg``/``_b.jpg``).

    Languages are assigned round-robin, so every one appears once `n` reaches their number. Captions go
    to ``<name>.txt`` sidecars and/or a ``captions.jsonl`` manifest (with ``lang`` and, for pairs, ``pair``).
    `burst` > 1 makes the scenes come in bursts of that many, like a camera's: the same large object and
    background, the small objects re-coloured (`recolour_details`), so telling photos of a burst apart takes
    the details a paragraph mentions after its first sentence. Returns the scenes with their paths, in file order.
    """
    if burst < 1:
        raise InvalidInput(f"burst must be at least 1, got {burst}.")
    if n < 0 or pairs < 0:
        raise InvalidInput(f"n and pairs must not be negative, got n={n}, pairs={pairs}.")
    if not languages:
        raise InvalidInput("languages must name at least one language.")
    for lang in languages:
        check_language(lang)
    root = Path(folder)
    rng = random.Random(seed)
    scenes: list[SyntheticScene] = []
    scene = None
    for i in range(n):
        lang = languages[i % len(languages)]
        if i % burst == 0:
            scene = random_scene(rng, lang, n_objects)
        else:
            scene = replace(recolour_details(rng, scene), lang=lang)
        scenes.append(replace(scene, path=root / f"scene_{i:04d}.jpg"))
    for j in range(pairs):
        a, b = make_pair(rng, languages[j % len(languages)], detail, (max(3, n_objects[0]), max(3, n_objects[1])))
        scenes.append(replace(a, path=root / f"pair_{j:03d}_a.jpg", pair=j))
        scenes.append(replace(b, path=root / f"pair_{j:03d}_b.jpg", pair=j))
    write_album(root, scenes, sidecars=sidecars, manifest=manifest, size=size)
    return scenes


def write_album(
    folder: str | os.PathLike[str],
    scenes: list[SyntheticScene],
    *,
    sidecars: bool = True,
    manifest: bool = True,
    size: int = 128,
) -> None:
    """Render every scene to its `path` as JPEG and write its captions (sidecar and/or manifest)."""
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    for scene in scenes:
        if scene.path is None:
            raise InvalidInput("every scene needs a path to be written: set it with dataclasses.replace.")
        scene.path.parent.mkdir(parents=True, exist_ok=True)
        render(scene, size).save(scene.path, "JPEG", quality=90)
        if sidecars:
            scene.path.with_suffix(".txt").write_text(scene.long_caption() + "\n", encoding="utf-8")
    if manifest:
        lines = [json.dumps(s.record(root), ensure_ascii=False) for s in scenes]
        (root / MANIFEST_NAME).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
