"""`TextInfo`: how a query text fared in a tokenizer. Its own torch-free module because both the encoders (torch)
and the quick text path (`photosearch.quick_text`, onnxruntime only) report it."""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TextInfo"]


@dataclass(frozen=True)
class TextInfo:
    """How a text fared in the tokenizer: the UI tells the user when a query was cut."""

    n_tokens: int  # tokens the text needs (content tokens, templates and specials excluded)
    kept_tokens: int  # content tokens the model actually reads
    truncated: bool
