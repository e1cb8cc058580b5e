"""The words of synthetic captions: per-language sentence templates and the grammar that fills them.

`finetune.synthetic` builds scenes and asks this module how to say what is in them. Captions come from
per-language templates with agreement done by hand (German case and gender, French and Spanish gender),
never from machine translation, in English, German, French, Spanish and Chinese, so every caption is
grammatical and names exactly the scene's objects. Everything language-specific lives here: adding a
language means adding it to `LANGUAGES`, `TEMPLATES` and the word tables, without touching scenes,
rendering or album writing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from photosearch.errors import InvalidInput

if TYPE_CHECKING:  # only for annotations: finetune.synthetic imports this module
    from finetune.synthetic import SceneObject

__all__ = ["LANGUAGES", "Templates", "TEMPLATES", "check_language", "fill", "background_words"]

#: The languages captions can be written in (those `TEMPLATES` has sentences for).
LANGUAGES: tuple[str, ...] = ("en", "de", "fr", "es", "zh")


@dataclass(frozen=True)
class Templates:
    """One language's sentences: for the salient object, for each other object, for the background.

    `SyntheticScene.style` picks among them, so two scenes of one style are worded alike (as `make_pair` needs).
    `joiner` joins the sentences (Chinese needs no space after its full stops).
    """

    salient: tuple[str, ...]
    other: tuple[str, ...]
    background: tuple[str, ...]
    joiner: str = " "


# Placeholders: {np} the object with its indefinite article (nominative), {np_acc} accusative (German),
# {bare} without an article (Chinese), {pos} the place, capitalised {Np}/{Pos} at a sentence start.
TEMPLATES: dict[str, Templates] = {
    "en": Templates(
        salient=("The picture shows {np} {pos}.", "{Np} stands out {pos}.", "The eye goes first to {np} {pos}."),
        other=("{Pos}, there is {np}.", "{Np} sits {pos}.", "There is also {np} {pos}.", "{Np} can be seen {pos}."),
        background=(
            "The background is plain {bg}.",
            "Everything is set against {a_bg} background.",
            "Behind the shapes, the background is {bg}.",
        ),
    ),
    "de": Templates(
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
    "fr": Templates(
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
    "es": Templates(
        salient=("La imagen muestra {np} {pos}.", "{Pos} destaca {np}.", "La mirada se dirige primero a {np} {pos}."),
        other=("{Pos} hay {np}.", "{Np} está {pos}.", "También se ve {np} {pos}.", "{Pos} se encuentra {np}."),
        background=("El fondo es {bg}.", "Todo está sobre un fondo {bg}.", "Detrás de las formas, el fondo es {bg}."),
    ),
    "zh": Templates(
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

# Shape nouns, with their gender where articles and adjectives agree with it. English has no table: it uses
# the scene's own shape names (see `_noun_phrases`).
_SHAPE = {
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


def fill(template: str, obj: SceneObject, lang: str) -> str:
    """`template` with `obj`'s noun phrases and place filled in (placeholders: see `TEMPLATES`)."""
    words = _noun_phrases(obj, lang)
    pos = _POS[lang][obj.position]
    return template.format(**words, Np=_cap(words["np"]), pos=pos, Pos=_cap(pos))


def background_words(colour: str, lang: str) -> dict[str, str]:
    """The words a background template uses for `colour`: ``bg``, plus ``a_bg`` (English), ``bg_dat`` (German)."""
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


def check_language(lang: str) -> None:
    """Refuse a language without templates up front, before any scene is built or file written."""
    if lang not in TEMPLATES:
        raise InvalidInput(f"no caption templates for language {lang!r}: use one of {', '.join(LANGUAGES)}.")
