"""Long-CLIP (beichenzbc/Long-CLIP): OpenAI CLIP with a 248-token text context.

The released `longclip-{B,L}.pt` is a plain state dict of the reference model: OpenAI CLIP keys plus a second
text position table, `positional_embedding_res`. The reference text forward adds rows 0-19 of
`positional_embedding` and rows 20-247 of `positional_embedding_res` (masks, so the other rows are multiplied by
zero); merging the two into one 248-row table gives the same sums bit for bit, so both towers are built from
open_clip's `VisionTransformer` / `TextTransformer` and only the loading is Long-CLIP specific.

The reference `load` builds the model, converts conv/linear/attention/projection weights to fp16 and copies
the checkpoint into them, then calls `.float()` on CPU: those weights are effectively rounded through fp16 even
on CPU. We round the same tensors so our float32 towers reproduce its embeddings.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

import regex
import torch
from PIL import Image

from photosearch.encoders.base import Encoder, TextInfo, TextTower, TokenizedTexts, VisionTower
from photosearch.encoders.checkpoint import check_shapes, load_state_file
from photosearch.encoders.device import DevicePlan
from photosearch.encoders.preprocess import clip_transform
from photosearch.hashing import weights_fingerprint

if TYPE_CHECKING:  # open_clip takes seconds to import: only building a tower or tokenizer pays for it
    from open_clip.tokenizer import SimpleTokenizer
    from open_clip.transformer import TextTransformer, VisionTransformer
    from photosearch.quick_text.tokenizer import QuickTokenizer

KEEP_ROWS = 20  # rows of the original (77-row) position table Long-CLIP keeps as is; `_res` supplies the rest
HEAD_WIDTH = 64  # the reference derives attention heads as width // 64
BPE_VOCAB = 49408  # ids the BPE tokenizer can emit; the token table must cover them

# Tensors the reference `convert_weights` turns fp16 before loading (nn.Conv2d / nn.Linear / MultiheadAttention
# weights and biases, the `proj` and `text_projection` matrices). LayerNorms and embeddings stay float32.
_FP16_SUFFIXES = (
    ".attn.in_proj_weight",
    ".attn.in_proj_bias",
    ".attn.out_proj.weight",
    ".attn.out_proj.bias",
    ".mlp.c_fc.weight",
    ".mlp.c_fc.bias",
    ".mlp.c_proj.weight",
    ".mlp.c_proj.bias",
)
_FP16_KEYS = frozenset({"visual.conv1.weight", "visual.proj", "text_projection"})
_IGNORED_KEYS = frozenset({"logit_scale", "input_resolution", "context_length", "vocab_size"})


def rounds_through_fp16(key: str) -> bool:
    """Whether the reference loader stores this checkpoint tensor in fp16 before running in float32."""
    return key in _FP16_KEYS or key.endswith(_FP16_SUFFIXES)


# -- checkpoint reading ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LongClipConfig:
    """Every size, read off tensor shapes as the reference `build_model` does."""

    embed_dim: int
    image_size: int
    patch_size: int
    vision_width: int
    vision_layers: int
    context_length: int
    vocab_size: int
    text_width: int
    text_layers: int


def _read_state_dict(path: Path) -> Mapping[str, torch.Tensor]:
    """mmap so each tower materialises only its own tensors; weights_only so a checkpoint cannot run code."""
    obj = load_state_file(path, "Long-CLIP")
    if not isinstance(obj, Mapping) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in obj.items()
    ):
        raise ValueError(f"{path} is not a Long-CLIP checkpoint: it holds a {type(obj).__name__}, not a state dict")
    return obj


def _shape(sd: Mapping[str, torch.Tensor], key: str, ndim: int) -> tuple[int, ...]:
    if key not in sd:
        raise ValueError(f"not a Long-CLIP ViT checkpoint: missing {key!r}")
    shape = tuple(sd[key].shape)
    if len(shape) != ndim:
        raise ValueError(f"{key!r} has shape {list(shape)}, expected {ndim} dimensions")
    return shape


def _count_layers(sd: Mapping[str, torch.Tensor], prefix: str) -> int:
    indices = {int(k[len(prefix) :].split(".")[0]) for k in sd if k.startswith(prefix)}
    if indices != set(range(len(indices))):
        raise ValueError(f"{prefix}* layer indices are not 0..n-1: {sorted(indices)}")
    return len(indices)


def infer_config(sd: Mapping[str, torch.Tensor]) -> LongClipConfig:
    """Sizes from shapes, with every shape cross-checked so a wrong file fails here, not mid-matmul."""
    if "visual.proj" not in sd and any(k.startswith("visual.layer1.") for k in sd):
        raise ValueError("ResNet Long-CLIP checkpoints are not supported (only ViT ones were released)")
    if "positional_embedding_res" not in sd:
        raise ValueError(
            "missing 'positional_embedding_res': this is not a Long-CLIP checkpoint (plain OpenAI CLIP has one "
            "77-row table); Long-CLIP needs both 248-row position tables"
        )
    vision_width, in_ch, patch, patch_w = _shape(sd, "visual.conv1.weight", 4)
    if in_ch != 3 or patch != patch_w:
        raise ValueError(f"'visual.conv1.weight' has shape {[vision_width, in_ch, patch, patch_w]}")
    n_pos, pos_width = _shape(sd, "visual.positional_embedding", 2)
    grid = round((n_pos - 1) ** 0.5)
    if grid * grid + 1 != n_pos or pos_width != vision_width:
        raise ValueError(f"'visual.positional_embedding' shape {[n_pos, pos_width]} is not [grid**2 + 1, width]")
    proj_in, embed_dim = _shape(sd, "visual.proj", 2)
    context, text_width = _shape(sd, "positional_embedding", 2)
    vocab, tok_width = _shape(sd, "token_embedding.weight", 2)
    text_in, text_dim = _shape(sd, "text_projection", 2)
    (ln_width,) = _shape(sd, "ln_final.weight", 1)
    checks = {
        "'visual.proj' rows != vision width": proj_in != vision_width,
        "'positional_embedding_res' shape != 'positional_embedding' shape": tuple(
            sd["positional_embedding_res"].shape
        )
        != (context, text_width),
        f"text context {context} must exceed the {KEEP_ROWS} kept rows": context <= KEEP_ROWS,
        "'token_embedding.weight' width != text width": tok_width != text_width,
        f"vocab {vocab} is smaller than the BPE tokenizer's {BPE_VOCAB} ids": vocab < BPE_VOCAB,
        "'text_projection' shape != [text width, embed dim]": (text_in, text_dim) != (text_width, embed_dim),
        "'ln_final.weight' width != text width": ln_width != text_width,
        f"widths must be multiples of {HEAD_WIDTH} (heads = width // {HEAD_WIDTH})": bool(
            vision_width % HEAD_WIDTH or text_width % HEAD_WIDTH
        ),
    }
    bad = [msg for msg, failed in checks.items() if failed]
    if bad:
        raise ValueError("inconsistent Long-CLIP checkpoint: " + "; ".join(bad))
    return LongClipConfig(
        embed_dim=embed_dim,
        image_size=patch * grid,
        patch_size=patch,
        vision_width=vision_width,
        vision_layers=_count_layers(sd, "visual.transformer.resblocks."),
        context_length=context,
        vocab_size=vocab,
        text_width=text_width,
        text_layers=_count_layers(sd, "transformer.resblocks."),
    )


def _as_reference_float32(key: str, tensor: torch.Tensor, exact: bool = False) -> torch.Tensor:
    """A fresh float32 copy (never an mmap view or an overlapping stride), fp16-rounded where the reference is.

    `exact` skips the rounding: our own fine-tuned exports are read back bit for bit (their manifest says so).
    """
    if rounds_through_fp16(key) and not exact:
        tensor = tensor.to(torch.float16)
    return tensor.to(torch.float32, copy=True).contiguous()


def _load_module(module: torch.nn.Module, weights: dict[str, torch.Tensor], what: str, path: Path) -> None:
    check_shapes(module, weights, path, f"Long-CLIP {what}")
    missing, unexpected = module.load_state_dict(weights, strict=False, assign=True)
    if missing or unexpected:
        raise ValueError(f"Long-CLIP {what} keys do not match: missing {missing}, unexpected {unexpected}")
    for name, tensor in [*module.named_parameters(), *module.named_buffers()]:
        if tensor.is_meta:
            raise ValueError(f"Long-CLIP {what}: {name} was not loaded")


# -- towers ----------------------------------------------------------------------------------------------------
class LongClipVision(VisionTower):
    """open_clip's ViT under the OpenAI key names (`visual.*`), so its state dict matches the checkpoint's."""

    def __init__(self, visual: "VisionTransformer", image_size: int, output_dim: int) -> None:
        super().__init__()
        self.visual = visual
        self.image_size = image_size
        self.output_dim = output_dim

    @property
    def transform(self) -> Callable[[Image.Image], torch.Tensor]:
        return clip_transform(self.image_size)

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.visual(pixels)


class LongClipText(TextTower):
    """open_clip's text transformer whose single position table is Long-CLIP's two, merged."""

    def __init__(self, text: "TextTransformer") -> None:
        super().__init__()
        self.text = text
        self.output_dim = int(text.output_dim)

    def forward(self, batch: TokenizedTexts) -> torch.Tensor:
        ids = batch.tensors["input_ids"].long()
        eot = ids.argmax(dim=-1)  # EOT has the highest id, as in the reference pooling
        # Causal attention: positions after the last EOT cannot change any pooled output, so skip the padding.
        n = int(eot.max()) + 1
        ids, text = ids[:, :n], self.text
        x = text.token_embedding(ids) + text.positional_embedding[:n]
        x = text.transformer(x, attn_mask=text.attn_mask[:n, :n])
        x = text.ln_final(x)
        return x[torch.arange(x.shape[0], device=x.device), eot] @ text.text_projection

    def place(self, device: torch.device, dtype: torch.dtype) -> "LongClipText":
        # The authors run this CLIP text tower in fp16 on GPUs; bf16 (the plan's choice for LLMs) loses precision.
        if dtype == torch.bfloat16:
            dtype = torch.float16
        return self.to(device=device, dtype=dtype)


def build_vision(path: Path, exact: bool = False) -> LongClipVision:
    """The image tower of a Long-CLIP checkpoint (search and fine-tuning build it the same way)."""
    from open_clip.transformer import LayerNorm, QuickGELU, VisionTransformer

    sd = _read_state_dict(path)
    cfg = infer_config(sd)
    with torch.device("meta"):
        visual = VisionTransformer(
            image_size=cfg.image_size,
            patch_size=cfg.patch_size,
            width=cfg.vision_width,
            layers=cfg.vision_layers,
            heads=cfg.vision_width // HEAD_WIDTH,
            mlp_ratio=4.0,
            output_dim=cfg.embed_dim,
            act_layer=QuickGELU,
            norm_layer=LayerNorm,
        )
    weights = {k[len("visual.") :]: _as_reference_float32(k, v, exact) for k, v in sd.items() if k.startswith("visual.")}
    _load_module(visual, weights, "vision", path)
    return LongClipVision(visual, cfg.image_size, cfg.embed_dim)


def build_text(path: Path, exact: bool = False) -> LongClipText:
    """The text tower of a Long-CLIP checkpoint, both position tables merged into one."""
    from open_clip.transformer import LayerNorm, QuickGELU, TextTransformer

    sd = _read_state_dict(path)
    cfg = infer_config(sd)
    with torch.device("meta"):
        text = TextTransformer(
            context_length=cfg.context_length,
            vocab_size=cfg.vocab_size,
            width=cfg.text_width,
            heads=cfg.text_width // HEAD_WIDTH,
            layers=cfg.text_layers,
            mlp_ratio=4.0,
            output_dim=cfg.embed_dim,
            act_layer=QuickGELU,
            norm_layer=LayerNorm,
        )
    weights = {
        k: _as_reference_float32(k, v, exact)
        for k, v in sd.items()
        if not k.startswith("visual.") and k not in _IGNORED_KEYS and not k.startswith("positional_embedding")
    }
    weights["positional_embedding"] = merged_positions(sd["positional_embedding"], sd["positional_embedding_res"])
    text.register_buffer("attn_mask", _causal_mask(cfg.context_length), persistent=False)
    _load_module(text, weights, "text", path)
    return LongClipText(text)


def merged_positions(positions: torch.Tensor, positions_res: torch.Tensor) -> torch.Tensor:
    """Rows < 20 from `positional_embedding`, the rest from `positional_embedding_res` (reference masks)."""
    merged = positions_res.to(torch.float32, copy=True)
    merged[:KEEP_ROWS] = positions[:KEEP_ROWS].to(torch.float32)
    return merged.contiguous()


def _causal_mask(n: int) -> torch.Tensor:
    return torch.full((n, n), float("-inf")).triu_(1)


# -- tokenizer -------------------------------------------------------------------------------------------------
_SOT, _EOT = "<|startoftext|>", "<|endoftext|>"
# Long-CLIP's pre-tokenisation pattern: it spells the special tokens OpenAI's way, open_clip does not.
_PATTERN = regex.compile(
    r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
    regex.IGNORECASE,
)


@lru_cache(maxsize=1)
def _bpe() -> "SimpleTokenizer":
    """open_clip's BPE (same merges file, byte map and merge loop as Long-CLIP's), with the two spots where
    open_clip departs from the reference put back: special-token spelling and whitespace cleaning."""
    from open_clip.tokenizer import SimpleTokenizer, basic_clean

    bpe = SimpleTokenizer(context_length=None)
    for name in ("<start_of_text>", "<end_of_text>"):
        del bpe.encoder[name]
    bpe.encoder.update({_SOT: bpe.sot_token_id, _EOT: bpe.eot_token_id})
    bpe.decoder.update({bpe.sot_token_id: _SOT, bpe.eot_token_id: _EOT})
    bpe.cache = {_SOT: _SOT, _EOT: _EOT}
    bpe.pat = _PATTERN
    # The reference collapses whitespace with the `regex` module's \s, which is not str.split()'s whitespace.
    bpe.clean_fn = lambda text: regex.sub(r"\s+", " ", basic_clean(text)).strip().lower()
    return bpe


class LongClipTokenizer:
    """`longclip.tokenize(texts, truncate=True)` at the checkpoint's context length, plus per-text `TextInfo`.

    SOT and EOT take two of the context's positions, so a query holds `context_length - 2` content tokens.
    """

    def __init__(self, context_length: int) -> None:
        self.context_length = context_length
        self.max_content = context_length - 2
        self.bpe = _bpe()

    def encode(self, text: str) -> list[int]:
        """Content tokens only (no SOT/EOT)."""
        return self.bpe.encode(text)

    def quick_tokenizer(self) -> "QuickTokenizer":
        """This tokenizer rebuilt without torch (`photosearch.quick_text`): the same BPE, Long-CLIP's cleaning."""
        from photosearch.quick_text.tokenizer import Clean, QuickTokenizer, TokenLayout, clip_bpe

        bpe = self.bpe
        merges = sorted(bpe.bpe_ranks, key=bpe.bpe_ranks.__getitem__)
        layout = TokenLayout(Clean.LONGCLIP_LOWER, self.context_length, (bpe.sot_token_id,), (bpe.eot_token_id,), 0)
        return QuickTokenizer(clip_bpe(bpe.encoder, merges, [_SOT, _EOT]), layout)

    def __call__(self, texts: Sequence[str]) -> TokenizedTexts:
        ids = torch.zeros(len(texts), self.context_length, dtype=torch.long)
        info = []
        for row, text in enumerate(texts):
            content = self.encode(text)
            kept = content[: self.max_content]
            tokens = [self.bpe.sot_token_id, *kept, self.bpe.eot_token_id]
            ids[row, : len(tokens)] = torch.tensor(tokens, dtype=torch.long)
            info.append(TextInfo(n_tokens=len(content), kept_tokens=len(kept), truncated=len(kept) < len(content)))
        return TokenizedTexts({"input_ids": ids}, info)


# -- entry point -----------------------------------------------------------------------------------------------
def load_longclip(path: Path, device: DevicePlan | None = None, exact: bool = False) -> Encoder:
    """Validate the checkpoint now (shapes only, via mmap); build each tower the first time it is used.

    `exact`: read the weights as stored (our exports) instead of rounding them through fp16 as the reference
    `load` does with the released checkpoints."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Long-CLIP checkpoint not found: {path}")
    cfg = infer_config(_read_state_dict(path))
    return Encoder(
        model_id="longclip:" + weights_fingerprint([path]),
        dim=cfg.embed_dim,
        image_size=cfg.image_size,
        max_text_tokens=cfg.context_length - 2,  # SOT and EOT take two positions
        load_vision=lambda plan: build_vision(path, exact),
        load_tokenizer=lambda: LongClipTokenizer(cfg.context_length),
        load_text=lambda plan: build_text(path, exact),
        device=device,
        weight_files=(path,),
    )
