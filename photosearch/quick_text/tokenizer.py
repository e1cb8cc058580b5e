"""`QuickTokenizer`: a text tower's tokenisation without torch, on the `tokenizers` library.

A family tokenizer (open_clip's, Long-CLIP's) builds one with `quick_tokenizer()`: its cleaning step (named, so
it can be saved), a `tokenizers.Tokenizer` that turns cleaned text into content ids, and the layout around
them (ids before and after the content, the pad id, the context length). Texts are cut the way every supported
family cuts them: the first `max_content` content ids are kept and the specials are always there.
`photosearch.quick_text.export` checks the result against the family tokenizer before anything is saved.
"""
from __future__ import annotations

import html
import json
from dataclasses import asdict, dataclass
from enum import Enum
from pathlib import Path
from typing import Sequence

import numpy as np

from photosearch.text_info import TextInfo

TOKENIZER_FILE = "tokenizer.json"
LAYOUT_FILE = "layout.json"


def _basic_clean(text: str) -> str:
    import ftfy

    return html.unescape(html.unescape(ftfy.fix_text(text))).strip()


class Clean(str, Enum):
    """The cleaning a family applies before its tokenizer (open_clip's `get_clean_fn` names, plus Long-CLIP's)."""

    LOWER = "lower"  # open_clip's BPE: ftfy, HTML entities twice, str.split() whitespace, lower case
    WHITESPACE = "whitespace"  # open_clip's HF tokenizers (XLM-R): the same without lower case
    LONGCLIP_LOWER = "longclip-lower"  # Long-CLIP: whitespace collapsed with the regex module's \s, lower case

    def __call__(self, text: str) -> str:
        if self is Clean.LONGCLIP_LOWER:
            import regex

            return regex.sub(r"\s+", " ", _basic_clean(text)).strip().lower()
        text = " ".join(_basic_clean(text).split()).strip()
        return text.lower() if self is Clean.LOWER else text


@dataclass(frozen=True)
class TokenLayout:
    """Where content ids go in the model's input row."""

    clean: Clean
    context_length: int
    prefix: tuple[int, ...]  # e.g. (start of text,)
    suffix: tuple[int, ...]  # e.g. (end of text,)
    pad_id: int

    @property
    def max_content(self) -> int:
        return self.context_length - len(self.prefix) - len(self.suffix)


class QuickTokenizer:
    """Texts -> (N, context_length) int64 ids and a `TextInfo` per text, as the family tokenizer makes them."""

    def __init__(self, tokenizer: "tokenizers.Tokenizer", layout: TokenLayout) -> None:  # noqa: F821
        self.tokenizer = tokenizer
        self.layout = layout
        self.max_content = layout.max_content

    def content_ids(self, text: str) -> list[int]:
        return self.tokenizer.encode(self.layout.clean(text), add_special_tokens=False).ids

    def __call__(self, texts: Sequence[str]) -> tuple[np.ndarray, list[TextInfo]]:
        lay = self.layout
        ids = np.full((len(texts), lay.context_length), lay.pad_id, dtype=np.int64)
        info = []
        for row, text in enumerate(texts):
            content = self.content_ids(text)
            kept = content[: self.max_content]
            tokens = [*lay.prefix, *kept, *lay.suffix]
            ids[row, : len(tokens)] = tokens
            info.append(TextInfo(n_tokens=len(content), kept_tokens=len(kept), truncated=len(kept) < len(content)))
        return ids, info

    def save(self, folder: Path) -> None:
        self.tokenizer.save(str(folder / TOKENIZER_FILE))
        layout = {**asdict(self.layout), "clean": self.layout.clean.value}
        (folder / LAYOUT_FILE).write_text(json.dumps(layout))

    @classmethod
    def load(cls, folder: Path) -> "QuickTokenizer":
        from tokenizers import Tokenizer

        raw = json.loads((folder / LAYOUT_FILE).read_text())
        layout = TokenLayout(clean=Clean(raw["clean"]), context_length=int(raw["context_length"]),
                             prefix=tuple(raw["prefix"]), suffix=tuple(raw["suffix"]), pad_id=int(raw["pad_id"]))
        return cls(Tokenizer.from_file(str(folder / TOKENIZER_FILE)), layout)


def clip_bpe(vocab: dict[str, int], merges: Sequence[tuple[str, str]], specials: Sequence[str]) -> "tokenizers.Tokenizer":  # noqa: F821
    """OpenAI CLIP's byte-level BPE (as open_clip's and Long-CLIP's `SimpleTokenizer` run it) on `tokenizers`:
    the same split pattern, byte-to-unicode map, merges and `</w>` end-of-word suffix; special tokens written
    in the text map to their ids, as the reference's pattern lets them."""
    from tokenizers import AddedToken, Regex, Tokenizer, models, pre_tokenizers

    tok = Tokenizer(models.BPE(vocab=dict(vocab), merges=list(merges), end_of_word_suffix="</w>",
                               continuing_subword_prefix="", fuse_unk=False))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(r"""'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""),
                             behavior="removed", invert=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.add_special_tokens([AddedToken(s, normalized=False) for s in specials])
    return tok
