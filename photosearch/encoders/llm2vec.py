"""LLM2CLIP's text encoder: a Llama run bidirectionally, mean-pooled exactly as LLM2Vec does it.

LLM2CLIP's adaptor was trained on vectors from `LLM2Vec(llm, tokenizer, pooling_mode="mean", max_length=512,
doc_max_length=512).encode(captions)` (LLM2CLIP's copy of llm2vec, with `_name_or_path` forced to
Meta-Llama-3-8B-Instruct). The adaptor only understands those vectors, so this module reproduces that pipeline
step by step, quirks included, rather than a "clean" mean pooling:

* each text is prefixed with LLM2Vec's `!@#$%^&*()` instruction separator, wrapped in the Llama-3 user turn (we
  decide by the tokenizer's vocabulary, the reference by the model name) and only right-stripped, because the
  strip runs on the separator-prefixed string;
* the model sees BOS + the turn, truncated on the right at 512 tokens, left-padded;
* the pooled positions are the last *k* of the padded row, where *k* is the length of the text after the
  separator (text + `<|eot_id|>`) tokenised on its own. Past 512 tokens this reaches back over the header and
  BOS, and with an empty *k* the reference's `[-0:]` slice pools the whole row; both are reproduced;
* attention is fully bidirectional with padded keys masked, positions are 0..L-1 including the padding, and the
  mean is rounded to the model dtype before the float32 cast, as `encode` does.

Weights are read with safetensors only, into transformers' own `LlamaModel` (no remote code), which stays
reachable as `.model` so LoRA can be applied to it.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

import torch
from safetensors import safe_open
from transformers import LlamaConfig, LlamaModel, PreTrainedTokenizerFast
from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding

from photosearch.encoders.base import TextInfo, TextTower, TokenizedTexts
from photosearch.encoders.checkpoint import check_shapes

if TYPE_CHECKING:
    from photosearch.encoders.lora import LoraAdapter

MAX_LENGTH = 512
DOC_MAX_LENGTH = 512
# LLM2Vec's instruction/text separator: only what follows it is pooled.
SEPARATOR = "!@#$%^&*()"
USER_PREFIX = "<|start_header_id|>user<|end_header_id|>\n\n"
USER_SUFFIX = "<|eot_id|>"
_TEMPLATE_TOKENS = ("<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>")
# Fields that select remote code or only describe the checkpoint; the architecture is plain Llama.
_IGNORED_CONFIG_KEYS = ("auto_map", "architectures", "_name_or_path", "transformers_version", "torch_dtype", "dtype")
_ATTENTION = ("sdpa", "eager")


class LLM2VecTokenizer:
    """Texts -> LLM2Vec model inputs plus the exact positions LLM2Vec averages (`embed_mask`).

    Loading only this is cheap, so token counts and truncation can be reported without the LLM's weights.
    """

    def __init__(
        self, tokenizer: PreTrainedTokenizerFast, max_length: int = MAX_LENGTH, doc_max_length: int = DOC_MAX_LENGTH
    ) -> None:
        tokenizer.padding_side = "left"  # LLM2Vec's pooling counts positions from the right end of each row
        if tokenizer.eos_token is None:
            raise ValueError("the tokenizer defines no eos token to pad with")
        # LLM2Vec.from_pretrained sets pad = eos unconditionally, whatever tokenizer_config.json says; padding
        # is masked out of attention and pooling, but the pad id still lands in the padded rows' input ids.
        tokenizer.pad_token = tokenizer.eos_token
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.doc_max_length = doc_max_length
        vocab = tokenizer.get_vocab()
        self.uses_template = all(t in vocab for t in _TEMPLATE_TOKENS)
        self._suffix_tokens = len(self._ids([USER_SUFFIX])[0]) if self.uses_template else 0
        # Content tokens a query may hold: everything in front of the text (BOS, the user-turn header) takes
        # its positions first, while the closing <|eot_id|> is what truncation cuts first (see `_info`).
        prefix = USER_PREFIX if self.uses_template else ""
        self.max_content = max_length - len(self.tokenizer([prefix])["input_ids"][0])

    def _ids(self, texts: list[str], **kwargs: object) -> list[list[int]]:
        return self.tokenizer(texts, add_special_tokens=False, **kwargs)["input_ids"]

    def _reduce_words(self, text: str) -> str:
        """LLM2Vec's `_convert_to_str` word-level cut to `doc_max_length` tokens.

        Its length check reads a tokenisation already truncated to `max_length`, so with the LLM2CLIP setting
        (both 512) it can never fire; the loop only runs when `doc_max_length < max_length`.
        """
        if self.doc_max_length >= self.max_length:
            return text
        n = len(self._ids([text], truncation=True, max_length=self.max_length)[0])
        while n > self.doc_max_length:
            words = text.split()
            text = " ".join(words[: int(len(words) * (self.doc_max_length / n))])
            n = len(self._ids([text], truncation=True, max_length=self.max_length)[0])
        return text

    def _prepare(self, text: str, instruction: str = "") -> str:
        """`_convert_to_str("", text)` then `prepare_for_tokenization`: the strip sees the separator first.

        With an instruction, llm2vec's training format: `"{instruction}; " + separator + text`, the whole turn
        wrapped, only the part after the separator pooled."""
        text = (f"{instruction}; " if instruction else "") + SEPARATOR + text
        if self.uses_template:
            return USER_PREFIX + text.strip() + USER_SUFFIX
        return text

    def _content(self, text: str) -> str:
        """The user's text as the model reads it, for token counts (template and separators removed)."""
        text = "".join(text.split(SEPARATOR))
        return text.rstrip() if self.uses_template else text

    def __call__(self, texts: Sequence[str], instructions: Sequence[str] | None = None) -> TokenizedTexts:
        """`instructions` (one per text, or None) are read by the model but excluded from the pooled mean:
        what caption-contrastive fine-tuning gives the query side."""
        texts = list(texts)
        if not texts:
            empty = torch.zeros((0, 0), dtype=torch.long)
            return TokenizedTexts({"input_ids": empty, "attention_mask": empty, "embed_mask": empty}, [])
        reduced = [self._reduce_words(t) for t in texts]
        instructions = list(instructions) if instructions is not None else [""] * len(texts)
        pieces = [self._prepare(t, i).split(SEPARATOR) for t, i in zip(reduced, instructions)]
        originals = ["".join(p) for p in pieces]
        pooled_texts = [p[1] if len(p) > 1 else "" for p in pieces]

        encoded = self.tokenizer(
            originals, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
        )
        input_ids, attention_mask = encoded["input_ids"], encoded["attention_mask"]
        width = input_ids.shape[1]
        pooled_lengths = [len(ids) for ids in self._ids(pooled_texts, truncation=True, max_length=self.max_length)]
        embed_mask = torch.zeros_like(attention_mask)
        for row, n in enumerate(pooled_lengths):
            if n == 0:
                embed_mask[row] = 1  # the reference slices `[-0:]`: the whole padded row
            else:
                embed_mask[row, -min(n, width) :] = 1

        return TokenizedTexts(
            {"input_ids": input_ids, "attention_mask": attention_mask, "embed_mask": embed_mask},
            self._info(texts, reduced, originals),
        )

    def _info(self, texts: list[str], reduced: list[str], originals: list[str]) -> list[TextInfo]:
        needed = [len(ids) for ids in self._ids([self._content(t) for t in texts])]
        if reduced == texts:
            after_cut = needed
        else:
            after_cut = [len(ids) for ids in self._ids([self._content(t) for t in reduced])]
        full = [len(ids) for ids in self.tokenizer(originals)["input_ids"]]
        info = []
        for n, cut, total in zip(needed, after_cut, full):
            overflow = max(0, total - self.max_length)
            # Truncation eats the trailing <|eot_id|> first, then the text.
            kept = min(n, max(0, cut - max(0, overflow - self._suffix_tokens)))
            info.append(TextInfo(n_tokens=n, kept_tokens=kept, truncated=kept < n))
        return info


def bidirectional_mask(attention_mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """(B, L) padding mask -> (B, 1, L, L) additive mask: every query sees every real token, no key padding.

    Same values as LLM2Vec's `LlamaBiModel._update_causal_mask` (0 / dtype min). Passing a 4D mask makes
    transformers use it as-is instead of building its causal one.
    """
    length = attention_mask.shape[-1]
    keys = attention_mask[:, None, None, :].bool()
    mask = torch.zeros(keys.shape, dtype=dtype, device=attention_mask.device).masked_fill(
        ~keys, torch.finfo(dtype).min
    )
    return mask.expand(-1, 1, length, -1)


class LLM2VecEncoder(TextTower):
    """Tokenized texts -> (N, hidden) float32 LLM2Vec mean-pooled vectors."""

    def __init__(self, model: LlamaModel, tokenizer: LLM2VecTokenizer) -> None:
        super().__init__()
        self.model = model
        self.tokenizer = tokenizer
        self.hidden_size = int(model.config.hidden_size)
        self.output_dim = self.hidden_size
        _make_bidirectional(model)
        # RoPE frequencies stay float32 through `.to(bfloat16)`, as in the reference (they are built in float32
        # and never cast there); a bf16 copy would shift every rotary angle.
        # Module references (not names) so this still holds once PEFT wraps `.model`.
        self._rope_float32 = [
            (module, module.inv_freq.detach().float().clone(), module.original_inv_freq.detach().float().clone())
            for module in model.modules()
            if isinstance(module, LlamaRotaryEmbedding)
        ]

    def tokenize(self, texts: Sequence[str]) -> TokenizedTexts:
        return self.tokenizer(texts)

    def forward(self, batch: TokenizedTexts) -> torch.Tensor:
        tensors = batch.tensors
        input_ids, attention_mask, embed_mask = tensors["input_ids"], tensors["attention_mask"], tensors["embed_mask"]
        dtype = self.model.get_input_embeddings().weight.dtype
        hidden = self.model(
            input_ids=input_ids, attention_mask=bidirectional_mask(attention_mask, dtype), use_cache=False
        ).last_hidden_state
        weights = embed_mask.to(device=hidden.device, dtype=torch.float32)
        pooled = (hidden.float() * weights[..., None]).sum(dim=1) / weights.sum(dim=1, keepdim=True)
        # The reference means in the model dtype, then casts the result to float32.
        return pooled.to(hidden.dtype).float()

    def _apply(self, fn: Callable[[torch.Tensor], torch.Tensor], recurse: bool = True) -> "LLM2VecEncoder":
        super()._apply(fn, recurse)
        for module, inv_freq, original in getattr(self, "_rope_float32", []):
            device = module.inv_freq.device
            module.inv_freq = inv_freq.to(device)
            module.original_inv_freq = original.to(device)
        return self


def _make_bidirectional(model: LlamaModel) -> None:
    """Belt and braces on top of the explicit 4D mask: no layer may fall back to a causal kernel."""
    if model.config._attn_implementation not in _ATTENTION:
        model.config._attn_implementation = "sdpa"
    model.config.is_causal = False
    model.config.use_cache = False
    for module in model.modules():
        if hasattr(module, "is_causal"):
            module.is_causal = False


def _require_dir(model_dir: Path) -> Path:
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise FileNotFoundError(f"LLM folder {model_dir} does not exist")
    return model_dir


def load_llm2vec_tokenizer(
    model_dir: Path, *, max_length: int = MAX_LENGTH, doc_max_length: int = DOC_MAX_LENGTH
) -> LLM2VecTokenizer:
    """Only the tokenizer (fast, no weights): enough for token counts and truncation warnings."""
    model_dir = _require_dir(model_dir)
    if not (model_dir / "tokenizer.json").is_file():
        raise FileNotFoundError(
            f"{model_dir} has no tokenizer.json: copy the tokenizer files (tokenizer.json, tokenizer_config.json, "
            "special_tokens_map.json) from the released LLM2CLIP Llama repository into it"
        )
    tokenizer = PreTrainedTokenizerFast.from_pretrained(
        str(model_dir), local_files_only=True, clean_up_tokenization_spaces=False
    )
    return LLM2VecTokenizer(tokenizer, max_length=max_length, doc_max_length=doc_max_length)


def read_llama_config(model_dir: Path, attn_implementation: str = "sdpa") -> LlamaConfig:
    """config.json as a plain `LlamaConfig`: auto_map/architectures (remote code) are ignored on purpose."""
    path = _require_dir(model_dir) / "config.json"
    if not path.is_file():
        raise FileNotFoundError(f"{model_dir} has no config.json, so it is not a Hugging Face model folder")
    fields = json.loads(path.read_text())
    if fields.get("model_type") != "llama":
        raise ValueError(f"{model_dir} holds a {fields.get('model_type')!r} model; LLM2Vec here supports Llama only")
    if attn_implementation not in _ATTENTION:
        raise ValueError(f"attention must be one of {_ATTENTION}, not {attn_implementation!r}")
    for key in _IGNORED_CONFIG_KEYS:
        fields.pop(key, None)
    config = LlamaConfig.from_dict(fields)
    config._attn_implementation = attn_implementation
    return config


def _weight_files(model_dir: Path) -> list[Path]:
    single = model_dir / "model.safetensors"
    index = model_dir / "model.safetensors.index.json"
    if single.is_file():
        return [single]
    if index.is_file():
        shards = sorted(set(json.loads(index.read_text())["weight_map"].values()))
        missing = [s for s in shards if not (model_dir / s).is_file()]
        if missing:
            raise FileNotFoundError(f"{index} lists shards that are not there: {', '.join(missing)}")
        return [model_dir / s for s in shards]
    others = sorted(p.name for p in model_dir.iterdir() if p.suffix in {".bin", ".pt", ".pth", ".ckpt"})
    hint = f" (found {', '.join(others)}; only safetensors weights are loaded)" if others else ""
    raise FileNotFoundError(f"{model_dir} has no model.safetensors or model.safetensors.index.json{hint}")


def read_llama_weights(
    model_dir: Path, dtype: torch.dtype = torch.float32, lora: "LoraAdapter | None" = None
) -> dict[str, torch.Tensor]:
    """Safetensors weights keyed as `LlamaModel` expects, with or without the `model.` prefix of a CausalLM.

    Read tensor by tensor with `pread` and cast as each arrives, so peak memory is the weights in `dtype`
    plus one tensor: an 8B LLM loads in bf16 within ~17 GB. (safetensors' default mmap backend keeps the
    touched file pages resident next to the copies: 2x the weights at the peak; see bench/bench_llm_load.py.)
    A `lora` adapter is merged into each target weight as it is read, in float32, before the cast.
    """
    state: dict[str, torch.Tensor] = {}
    for path in _weight_files(_require_dir(model_dir)):
        with safe_open(str(path), framework="pt", backend="pread") as f:
            for key in f.keys():
                if key.endswith("rotary_emb.inv_freq"):
                    continue  # persisted by old transformers versions; recomputed from the config instead
                tensor = f.get_tensor(key)
                if lora is not None:
                    tensor = lora.merge(key.removeprefix("model."), tensor)
                state[key] = tensor.to(dtype) if tensor.is_floating_point() else tensor
    if lora is not None:
        lora.check_complete()
    if any(k.startswith("model.") for k in state):
        # A *ForCausalLM checkpoint: the encoder is under `model.`; lm_head and the like are not used.
        state = {k[len("model.") :]: v for k, v in state.items() if k.startswith("model.")}
    return state


def load_llm2vec(
    model_dir: Path,
    dtype: torch.dtype = torch.float32,
    *,
    attn_implementation: str = "sdpa",
    max_length: int = MAX_LENGTH,
    doc_max_length: int = DOC_MAX_LENGTH,
    lora: Path | None = None,
) -> LLM2VecEncoder:
    """A released LLM2CLIP Llama folder (single or sharded safetensors) -> ready `LLM2VecEncoder` in eval mode.

    `lora`: a peft LoRA folder merged into the weights (Llama-3.1-8B-Instruct + `LLM2CLIP-Llama-3.1-8B`)."""
    model_dir = _require_dir(model_dir)
    tokenizer = load_llm2vec_tokenizer(model_dir, max_length=max_length, doc_max_length=doc_max_length)
    config = read_llama_config(model_dir, attn_implementation)
    adapter = None
    if lora is not None:
        from photosearch.encoders.lora import read_lora_adapter

        adapter = read_lora_adapter(lora)
    state = read_llama_weights(model_dir, dtype, adapter)
    with torch.device("meta"):  # no throwaway random init of billions of parameters
        model = LlamaModel(config)
    check_shapes(model, state, model_dir, "LLM")
    result = model.load_state_dict(state, strict=False, assign=True)
    if result.missing_keys or result.unexpected_keys:
        raise ValueError(
            f"weights in {model_dir} do not match its config.json: "
            f"missing {sorted(result.missing_keys)[:8]}, unexpected {sorted(result.unexpected_keys)[:8]}"
        )
    model.rotary_emb = LlamaRotaryEmbedding(config=config)  # non-persistent buffers were left on meta
    return LLM2VecEncoder(model, tokenizer).eval()
