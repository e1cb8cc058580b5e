"""open_clip's tokenizers (its BPE, Hugging Face ones such as XLM-R's, SigLIP's) with per-text token counts, and
their torch-free rebuild for quick text queries (`quick_tokenizer`). Kept apart from `openclip.py`, which builds
the towers."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Callable, Sequence

from photosearch.encoders.base import TextInfo, TokenizedTexts

if TYPE_CHECKING:
    from photosearch.quick_text.tokenizer import QuickTokenizer

log = logging.getLogger(__name__)


class OpenClipTokenizer:
    """open_clip's tokenizer plus per-text token counts.

    Counts are content tokens, specials excluded: BPE models spend 2 of the context on start/end, XLM-R and
    other HF tokenizers whatever `num_special_tokens_to_add` says, so `max_content` is the context length
    minus those. Counting runs the same cleaning the tokenizer applies, without truncation.
    """

    def __init__(self, tokenizer: Any) -> None:
        from open_clip.tokenizer import HFTokenizer, SigLipTokenizer, SimpleTokenizer

        self.tokenizer = tokenizer
        self.context_length = int(tokenizer.context_length)
        self._count: Callable[[str], int | None]
        if isinstance(tokenizer, SimpleTokenizer):
            specials = 2
            self._count = lambda text: len(tokenizer.encode(text))  # encode() applies the clean function
        elif isinstance(tokenizer, HFTokenizer):
            hf = tokenizer.tokenizer
            specials = 3 if tokenizer.tokenizer_mode == "clips" else hf.num_special_tokens_to_add(pair=False)
            self._count = lambda text: len(hf(tokenizer.clean_fn(text), add_special_tokens=False)["input_ids"])
        elif isinstance(tokenizer, SigLipTokenizer):
            from open_clip.tokenizer import basic_clean, canonicalize_text

            hf = tokenizer.tokenizer
            specials = hf.num_special_tokens_to_add(pair=False)
            self._count = lambda text: len(hf(canonicalize_text(basic_clean(text)), add_special_tokens=False)["input_ids"])
        else:
            log.warning("unknown open_clip tokenizer %s: token counts are not reported", type(tokenizer).__name__)
            specials = 2
            self._count = lambda text: None
        self.max_content = self.context_length - specials

    def quick_tokenizer(self) -> "QuickTokenizer | None":
        """This tokenizer rebuilt without torch (`photosearch.quick_text`), for open_clip's BPE and plain HF
        tokenizers; None for the rest (SigLIP's, CLIPS mode, text reduction), which keep the torch path."""
        from open_clip.tokenizer import HFTokenizer, SimpleTokenizer, _clean_lower, _clean_whitespace

        from photosearch.quick_text.tokenizer import Clean, QuickTokenizer, TokenLayout, clip_bpe

        tok = self.tokenizer
        if isinstance(tok, SimpleTokenizer) and tok.clean_fn is _clean_lower and tok.reduction_fn is None:
            merges = sorted(tok.bpe_ranks, key=tok.bpe_ranks.__getitem__)
            specials = [tok.decoder[i] for i in tok.all_special_ids]
            layout = TokenLayout(Clean.LOWER, self.context_length, (tok.sot_token_id,), (tok.eot_token_id,), 0)
            return QuickTokenizer(clip_bpe(tok.encoder, merges, specials), layout)
        if isinstance(tok, HFTokenizer) and not tok.tokenizer_mode and not tok.strip_sep_token and (
                tok.clean_fn is _clean_whitespace):
            hf = tok.tokenizer
            backend = hf.backend_tokenizer
            probe = backend.encode("x", add_special_tokens=False).ids
            full = backend.encode("x", add_special_tokens=True).ids
            start = next((i for i in range(len(full)) if full[i:i + len(probe)] == probe), None)
            if start is None or hf.pad_token_id is None or hf.padding_side != "right":
                return None
            layout = TokenLayout(Clean.WHITESPACE, self.context_length, tuple(full[:start]),
                                 tuple(full[start + len(probe):]), int(hf.pad_token_id))
            from tokenizers import Tokenizer

            plain = Tokenizer.from_str(backend.to_str())
            plain.no_truncation()
            plain.no_padding()
            return QuickTokenizer(plain, layout)
        return None

    def info(self, text: str) -> TextInfo:
        n = self._count(text)
        if n is None:
            return TextInfo(n_tokens=0, kept_tokens=0, truncated=False)
        kept = min(n, self.max_content)
        return TextInfo(n_tokens=n, kept_tokens=kept, truncated=n > kept)

    def __call__(self, texts: Sequence[str]) -> TokenizedTexts:
        texts = list(texts)
        ids = self.tokenizer(texts)
        return TokenizedTexts({"input_ids": ids}, [self.info(t) for t in texts])
