"""Synthetic captioned albums for fine-tuning tests and benchmarks.

Each scene is a plain background with two to four shapes (circle, square, triangle, star, ring) in
different colours at different places (left, right, top, bottom, centre). Exactly one shape is large: it is
the most salient object, and the first sentence of the long caption names it and nothing else, so that
sentence is the short caption (the same one `finetune.captions.short_caption` cuts from the long caption).
The long caption is a paragraph of 3-5 sentences: the salient shape, then every other shape in a shuffled
order, then the background. Captions come from per-language templates with agreement done by hand
(German case and gender, French and Spanish gender), never from machine translation, in English, German,
French, Spanish and Chinese.

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

from photosearch.errors import InvalidInput

__all__ = [
    "COLOURS",
    "SHAPES",
    "POSITIONS",
    "SIZES",
    "LANGUAGES",
    "MANIFEST_NAME",
    "Detail",
    "SceneObject",
    "SyntheticScene",
    "random_scene",
    "make_pair",
    "render",
    "object_box",
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
LANGUAGES: tuple[str, ...] = ("en", "de", "fr", "es", "zh")
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
        t = _TEMPLATES[lang]
        rng = random.Random(f"{self.style}:{lang}")
        out = [_fill(rng.choice(t.salient), self.salient, lang)]
        for i in self.order[1:]:
            out.append(_fill(rng.choice(t.other), self.objects[i], lang))
        out.append(rng.choice(t.background).format(**_background_words(self.background, lang)))
        return out

    def long_caption(self, lang: str | None = None) -> str:
        return _TEMPLATES[lang or self.lang].joiner.join(self.sentences(lang))

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
    _check_lang(lang)
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
) -> list[SyntheticScene]:
    """Write `n` random scenes (``scene_0000.jpg``...) plus `pairs` pairs (``pair_000_a.jpg``/``_b.jpg``).

    Languages are assigned round-robin, so every one appears once `n` reaches their number. Captions go
    to ``<name>.txt`` sidecars and/or a ``captions.jsonl`` manifest (with ``lang`` and, for pairs, ``pair``).
    Returns the scenes with their paths, in file order.
    """
    if n < 0 or pairs < 0:
        raise InvalidInput(f"n and pairs must not be negative, got n={n}, pairs={pairs}.")
    if not languages:
        raise InvalidInput("languages must name at least one language.")
    for lang in languages:
        _check_lang(lang)
    root = Path(folder)
    rng = random.Random(seed)
    scenes: list[SyntheticScene] = []
    for i in range(n):
        scene = random_scene(rng, languages[i % len(languages)], n_objects)
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


# --------------------------------------------------------------------------- captions per language


@dataclass(frozen=True)
class _Templates:
    salient: tuple[str, ...]
    other: tuple[str, ...]
    background: tuple[str, ...]
    joiner: str = " "


# Placeholders: {np} the object with its indefinite article (nominative), {np_acc} accusative (German),
# {bare} without an article (Chinese), {pos} the place, capitalised {Np}/{Pos} at a sentence start.
_TEMPLATES: dict[str, _Templates] = {
    "en": _Templates(
        salient=("The picture shows {np} {pos}.", "{Np} stands out {pos}.", "The eye goes first to {np} {pos}."),
        other=("{Pos}, there is {np}.", "{Np} sits {pos}.", "There is also {np} {pos}.", "{Np} can be seen {pos}."),
        background=(
            "The background is plain {bg}.",
            "Everything is set against {a_bg} background.",
            "Behind the shapes, the background is {bg}.",
        ),
    ),
    "de": _Templates(
        salient=(
            "Das Bild zeigt {np_acc} {pos}.",
            "{Pos} fällt zuerst {np} auf.",
            "Der Blick fällt zuerst auf {np_acc} {pos}.",
        ),
        other=(
            "{Pos} befindet sich {np}.",
            "{Np} liegt {pos}.",
            "Außerdem ist {pos} {np} zu sehen.",
            "{Pos} gibt es {np_acc}.",
        ),
        background=(
            "Der Hintergrund ist {bg}.",
            "Alles liegt auf einem {bg_dat} Hintergrund.",
            "Hinter den Formen ist der Hintergrund {bg}.",
        ),
    ),
    "fr": _Templates(
        salient=(
            "L'image montre {np} {pos}.",
            "{Pos}, on remarque d'abord {np}.",
            "Le regard se pose d'abord sur {np} {pos}.",
        ),
        other=("{Pos}, il y a {np}.", "{Np} se trouve {pos}.", "On voit aussi {np} {pos}.", "{Pos} se trouve {np}."),
        background=(
            "Le fond est {bg}.",
            "L'ensemble repose sur un fond {bg}.",
            "Derrière les formes, le fond est {bg}.",
        ),
    ),
    "es": _Templates(
        salient=("La imagen muestra {np} {pos}.", "{Pos} destaca {np}.", "La mirada se dirige primero a {np} {pos}."),
        other=("{Pos} hay {np}.", "{Np} está {pos}.", "También se ve {np} {pos}.", "{Pos} se encuentra {np}."),
        background=("El fondo es {bg}.", "Todo está sobre un fondo {bg}.", "Detrás de las formas, el fondo es {bg}."),
    ),
    "zh": _Templates(
        salient=("画面{pos}是{np}。", "最显眼的是{pos}那个{bare}。", "画面中首先看到的是{pos}的{bare}。"),
        other=("{pos}有{np}。", "{np}位于{pos}。", "在{pos}还可以看到{np}。"),
        background=("背景是{bg}的。", "整个画面的背景是{bg}。", "这些图形后面是{bg}的背景。"),
        joiner="",
    ),
}

_POS = {
    "en": {
        "left": "on the left",
        "right": "on the right",
        "top": "at the top",
        "bottom": "at the bottom",
        "centre": "in the centre",
    },
    "de": {
        "left": "auf der linken Seite",
        "right": "auf der rechten Seite",
        "top": "oben",
        "bottom": "unten",
        "centre": "in der Mitte",
    },
    "fr": {"left": "à gauche", "right": "à droite", "top": "en haut", "bottom": "en bas", "centre": "au centre"},
    "es": {
        "left": "a la izquierda",
        "right": "a la derecha",
        "top": "arriba",
        "bottom": "abajo",
        "centre": "en el centro",
    },
    "zh": {"left": "左边", "right": "右边", "top": "上方", "bottom": "下方", "centre": "中间"},
}

_SHAPE = {
    "en": {s: s for s in SHAPES},
    "de": {
        "circle": ("Kreis", "m"),
        "square": ("Quadrat", "n"),
        "triangle": ("Dreieck", "n"),
        "star": ("Stern", "m"),
        "ring": ("Ring", "m"),
    },
    "fr": {
        "circle": ("cercle", "m"),
        "square": ("carré", "m"),
        "triangle": ("triangle", "m"),
        "star": ("étoile", "f"),
        "ring": ("anneau", "m"),
    },
    "es": {
        "circle": ("círculo", "m"),
        "square": ("cuadrado", "m"),
        "triangle": ("triángulo", "m"),
        "star": ("estrella", "f"),
        "ring": ("anillo", "m"),
    },
    "zh": {"circle": "圆形", "square": "正方形", "triangle": "三角形", "star": "五角星", "ring": "圆环"},
}

# German: adjective stem (declined by adding endings) and the predicative form.
_DE_COLOUR = {
    "red": ("rot", "rot"),
    "green": ("grün", "grün"),
    "blue": ("blau", "blau"),
    "yellow": ("gelb", "gelb"),
    "orange": ("orangefarben", "orange"),
    "purple": ("violett", "violett"),
    "white": ("weiß", "weiß"),
    "black": ("schwarz", "schwarz"),
    "brown": ("braun", "braun"),
    "grey": ("grau", "grau"),
}
_DE_SIZE = {"small": "klein", "large": "groß"}
# French and Spanish: (masculine, feminine).
_FR_COLOUR = {
    "red": ("rouge", "rouge"),
    "green": ("vert", "verte"),
    "blue": ("bleu", "bleue"),
    "yellow": ("jaune", "jaune"),
    "orange": ("orange", "orange"),
    "purple": ("violet", "violette"),
    "white": ("blanc", "blanche"),
    "black": ("noir", "noire"),
    "brown": ("marron", "marron"),
    "grey": ("gris", "grise"),
}
_FR_SIZE = {"small": ("petit", "petite"), "large": ("grand", "grande")}
_ES_COLOUR = {
    "red": ("rojo", "roja"),
    "green": ("verde", "verde"),
    "blue": ("azul", "azul"),
    "yellow": ("amarillo", "amarilla"),
    "orange": ("naranja", "naranja"),
    "purple": ("morado", "morada"),
    "white": ("blanco", "blanca"),
    "black": ("negro", "negra"),
    "brown": ("marrón", "marrón"),
    "grey": ("gris", "gris"),
}
_ES_SIZE = {"small": ("pequeño", "pequeña"), "large": ("gran", "gran")}
_ZH_COLOUR = {
    "red": "红色",
    "green": "绿色",
    "blue": "蓝色",
    "yellow": "黄色",
    "orange": "橙色",
    "purple": "紫色",
    "white": "白色",
    "black": "黑色",
    "brown": "棕色",
    "grey": "灰色",
}
_ZH_SIZE = {"small": "小", "large": "大"}


def _noun_phrases(obj: SceneObject, lang: str) -> dict[str, str]:
    if lang == "en":
        np = f"a {obj.size} {obj.colour} {obj.shape}"
        return {"np": np, "np_acc": np, "bare": np[2:]}
    if lang == "de":
        noun, gender = _SHAPE["de"][obj.shape]
        size, colour = _DE_SIZE[obj.size], _DE_COLOUR[obj.colour][0]
        if gender == "m":
            nom, acc = f"ein {size}er {colour}er {noun}", f"einen {size}en {colour}en {noun}"
        else:
            nom = acc = f"ein {size}es {colour}es {noun}"
        return {"np": nom, "np_acc": acc, "bare": nom}
    if lang == "fr":
        noun, gender = _SHAPE["fr"][obj.shape]
        g = 0 if gender == "m" else 1
        np = f"{'un' if g == 0 else 'une'} {_FR_SIZE[obj.size][g]} {noun} {_FR_COLOUR[obj.colour][g]}"
        return {"np": np, "np_acc": np, "bare": np}
    if lang == "es":
        noun, gender = _SHAPE["es"][obj.shape]
        g = 0 if gender == "m" else 1
        np = f"{'un' if g == 0 else 'una'} {_ES_SIZE[obj.size][g]} {noun} {_ES_COLOUR[obj.colour][g]}"
        return {"np": np, "np_acc": np, "bare": np}
    bare = f"{_ZH_COLOUR[obj.colour]}的{_ZH_SIZE[obj.size]}{_SHAPE['zh'][obj.shape]}"
    return {"np": "一个" + bare, "np_acc": "一个" + bare, "bare": bare}


def _fill(template: str, obj: SceneObject, lang: str) -> str:
    words = _noun_phrases(obj, lang)
    pos = _POS[lang][obj.position]
    return template.format(**words, Np=_cap(words["np"]), pos=pos, Pos=_cap(pos))


def _background_words(colour: str, lang: str) -> dict[str, str]:
    if lang == "en":
        return {"bg": colour, "a_bg": ("an " if colour[0] in "aeiou" else "a ") + colour}
    if lang == "de":
        stem, predicative = _DE_COLOUR[colour]
        return {"bg": predicative, "bg_dat": stem + "en"}
    if lang == "fr":
        return {"bg": _FR_COLOUR[colour][0]}
    if lang == "es":
        return {"bg": _ES_COLOUR[colour][0]}
    return {"bg": _ZH_COLOUR[colour]}


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _check_lang(lang: str) -> None:
    if lang not in _TEMPLATES:
        raise InvalidInput(f"no caption templates for language {lang!r}: use one of {', '.join(LANGUAGES)}.")
