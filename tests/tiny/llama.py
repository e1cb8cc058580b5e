"""A tiny Llama-3-style text encoder written in the released LLM2CLIP layouts, built in-process in well under a second.

The real checkpoints are 5-15 GB, so every LLM2Vec test runs on this instead. It keeps what matters for
exactness: a byte-level BPE with Llama-3's pre-tokenizer regex, special tokens and BOS post-processor (so CJK,
Cyrillic, Arabic and emoji tokenise exactly as they would there), GQA attention, llama3 RoPE scaling, and the two
config/weight layouts Microsoft released:

* ``style="1b"`` mirrors ``microsoft/LLM2CLIP-Llama-3.2-1B-Instruct-CC-Finetuned``: ``LlamaBiModel`` with an
  auto_map to ``modeling_bidirectional_llama_encoder``, eos list, llama3 rope scaling, one ``model.safetensors``.
* ``style="8b"`` mirrors ``microsoft/LLM2CLIP-Llama-3-8B-Instruct-CC-Finetuned``: ``LlamaEncoderModel`` with an
  auto_map into McGill-NLP's remote code, ``_name_or_path`` of Meta-Llama-3-8B-Instruct, no rope scaling.

Either style can be written sharded (``model-0000i-of-0000n.safetensors`` + ``model.safetensors.index.json``)
and with or without a ``model.`` key prefix, because the released key prefix could not be confirmed.

Only ``torch``, ``safetensors`` and ``tokenizers`` are used, so the same builder also runs under the old
transformers 4.44.2 environment that produced the golden vectors.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Literal, Sequence

import torch
from safetensors.torch import save_file
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, pre_tokenizers, processors, trainers

# Llama-3's pre-tokenizer split pattern, verbatim from its tokenizer.json.
LLAMA3_SPLIT_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)

# Same order as Llama-3.x ids 128000..128010, so the relative layout of special ids matches the real tokenizer.
LLAMA3_SPECIAL_TOKENS = (
    "<|begin_of_text|>",
    "<|end_of_text|>",
    "<|reserved_special_token_0|>",
    "<|reserved_special_token_1|>",
    "<|finetune_right_pad_id|>",
    "<|reserved_special_token_2|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|eom_id|>",
    "<|eot_id|>",
    "<|python_tag|>",
)

# A little of everything the app sees, so merges exist for common words in several scripts.
_CORPUS = [
    "A photo of a dog running on the beach at sunset, with waves and a red ball in the sand.",
    "Two children play football in a park; the trees are green and the sky is blue.",
    "An old wooden boat is tied to the pier. The water is calm and reflects the mountains.",
    "My grandmother's kitchen in winter: bread on the table, snow outside the window.",
    "The cat sleeps on the sofa next to a cup of tea and an open book about photography.",
    "A crowded street market in the evening with lanterns, fruit stalls and bicycles.",
    "Birthday party with a chocolate cake, candles, balloons and friends laughing together.",
    "Black and white portrait of a man wearing a hat, looking at the camera and smiling.",
    "一只小狗在海滩上奔跑，夕阳下的海浪和沙滩上的红色球。我们在公园里拍照。",
    "北京的冬天很冷，雪花落在故宫的屋顶上。",
    "Собака бежит по пляжу на закате. Дети играют в футбол в парке.",
    "Старая деревянная лодка у причала, вода спокойная.",
    "كلب يركض على الشاطئ عند غروب الشمس. الأطفال يلعبون كرة القدم في الحديقة.",
    "Fête d'anniversaire avec un gâteau au chocolat. Der Hund läuft am Strand. El perro corre en la playa.",
    "🐶🏖️🌅 dog beach sunset 🎂🎈 party 📷 camera ❤️ love 👍",
    "In 2019 we visited 3 cities: Paris, Rome and Tokyo. It's 12:30 and we're late!",
    "The quick brown fox jumps over the lazy dog.\n\nA second paragraph, after a blank line.",
    # The LLM2Vec user turn, so "user" and the blank line become single tokens as in the real vocabulary.
    *["user\n\nuser\n\n"] * 8,
]


def build_tokenizer(vocab_size: int = 480, corpus: Sequence[str] = ()) -> Tokenizer:
    """A trained byte-level BPE with Llama-3's exact pre-tokenizer, specials and BOS template.

    `vocab_size` counts the trained tokens only; the 11 specials are appended after them as in Llama-3.
    `corpus` adds texts to learn merges from (an album's captions: whole words become tokens, as a real
    128k vocabulary has them).
    """
    tokenizer = Tokenizer(models.BPE(ignore_merges=True))
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(LLAMA3_SPLIT_PATTERN), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False),
        ]
    )
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=[],
        show_progress=False,
    )
    tokenizer.train_from_iterator([*_CORPUS, *corpus], trainer=trainer)
    tokenizer.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in LLAMA3_SPECIAL_TOKENS])
    bos = LLAMA3_SPECIAL_TOKENS[0]
    bos_id = tokenizer.token_to_id(bos)
    tokenizer.post_processor = processors.Sequence(
        [
            processors.ByteLevel(trim_offsets=False),
            processors.TemplateProcessing(
                single=f"{bos}:0 $A:0",
                pair=f"{bos}:0 $A:0 {bos}:1 $B:1",
                special_tokens=[(bos, bos_id)],
            ),
        ]
    )
    tokenizer.decoder = decoders.ByteLevel()
    return tokenizer


def _tokenizer_config(tokenizer: Tokenizer) -> dict:
    """tokenizer_config.json as Llama-3-Instruct ships it, with the pad token LLM2Vec sets (pad = eos)."""
    added = {
        str(tokenizer.token_to_id(t)): {
            "content": t,
            "lstrip": False,
            "normalized": False,
            "rstrip": False,
            "single_word": False,
            "special": True,
        }
        for t in LLAMA3_SPECIAL_TOKENS
    }
    return {
        "added_tokens_decoder": added,
        "bos_token": "<|begin_of_text|>",
        "clean_up_tokenization_spaces": True,
        "eos_token": "<|eot_id|>",
        "model_input_names": ["input_ids", "attention_mask"],
        "model_max_length": 131072,
        "pad_token": "<|eot_id|>",
        "tokenizer_class": "PreTrainedTokenizerFast",
    }


def _special_tokens_map() -> dict:
    def token(content: str) -> dict:
        return {"content": content, "lstrip": False, "normalized": False, "rstrip": False, "single_word": False}

    return {"bos_token": token("<|begin_of_text|>"), "eos_token": token("<|eot_id|>"), "pad_token": "<|eot_id|>"}


def _model_config(
    style: Literal["1b", "8b"],
    tokenizer: Tokenizer,
    vocab_size: int,
    hidden_size: int,
    intermediate_size: int,
    num_layers: int,
    num_heads: int,
    num_kv_heads: int,
) -> dict:
    ids = {t: tokenizer.token_to_id(t) for t in LLAMA3_SPECIAL_TOKENS}
    common = {
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": ids["<|begin_of_text|>"],
        "hidden_act": "silu",
        "hidden_size": hidden_size,
        "initializer_range": 0.02,
        "intermediate_size": intermediate_size,
        "model_type": "llama",
        "num_attention_heads": num_heads,
        "num_hidden_layers": num_layers,
        "num_key_value_heads": num_kv_heads,
        "pretraining_tp": 1,
        "rms_norm_eps": 1e-05,
        "torch_dtype": "bfloat16",
        "use_cache": True,
        "vocab_size": vocab_size,
    }
    if style == "1b":
        return {
            "_name_or_path": "LLM2CLIP-Llama-3-2-1B-Instruct-CC-Finetuned",
            "architectures": ["LlamaBiModel"],
            "auto_map": {"AutoModel": "modeling_bidirectional_llama_encoder.LlamaBiModel"},
            **common,
            "eos_token_id": [ids["<|end_of_text|>"], ids["<|eom_id|>"], ids["<|eot_id|>"]],
            "head_dim": hidden_size // num_heads,
            "max_position_embeddings": 131072,
            "mlp_bias": False,
            "rope_scaling": {
                "factor": 32.0,
                "high_freq_factor": 4.0,
                "low_freq_factor": 1.0,
                "original_max_position_embeddings": 8192,
                "rope_type": "llama3",
            },
            "rope_theta": 500000.0,
            "tie_word_embeddings": True,
            "transformers_version": "4.44.2",
        }
    if style == "8b":
        return {
            "_name_or_path": "meta-llama/Meta-Llama-3-8B-Instruct",
            "architectures": ["LlamaEncoderModel"],
            "auto_map": {
                "AutoModel": "McGill-NLP/LLM2Vec-Meta-Llama-3-8B-Instruct-mntp--modeling_llama_encoder.LlamaEncoderModel"
            },
            **common,
            "attention_dropout": 0,
            "eos_token_id": ids["<|end_of_text|>"],
            "max_position_embeddings": 8192,
            "rope_scaling": None,
            "rope_theta": 500000,
            "tie_word_embeddings": False,
            "transformers_version": "4.40.2",
        }
    raise ValueError(f"unknown style {style!r}")


def _random_state_dict(
    seed: int, vocab_size: int, hidden_size: int, intermediate_size: int, num_layers: int, num_heads: int, num_kv_heads: int
) -> dict[str, torch.Tensor]:
    """Weights scaled so activations stay O(1): tiny differences in masking or pooling then show up clearly."""
    g = torch.Generator().manual_seed(seed)
    head_dim = hidden_size // num_heads

    def linear(out_features: int, in_features: int) -> torch.Tensor:
        return torch.randn(out_features, in_features, generator=g) / in_features**0.5

    def norm() -> torch.Tensor:
        return 1.0 + 0.2 * torch.randn(hidden_size, generator=g)

    state = {"embed_tokens.weight": torch.randn(vocab_size, hidden_size, generator=g)}
    for i in range(num_layers):
        p = f"layers.{i}."
        state[p + "self_attn.q_proj.weight"] = linear(num_heads * head_dim, hidden_size)
        state[p + "self_attn.k_proj.weight"] = linear(num_kv_heads * head_dim, hidden_size)
        state[p + "self_attn.v_proj.weight"] = linear(num_kv_heads * head_dim, hidden_size)
        state[p + "self_attn.o_proj.weight"] = linear(hidden_size, num_heads * head_dim)
        state[p + "mlp.gate_proj.weight"] = linear(intermediate_size, hidden_size)
        state[p + "mlp.up_proj.weight"] = linear(intermediate_size, hidden_size)
        state[p + "mlp.down_proj.weight"] = linear(hidden_size, intermediate_size)
        state[p + "input_layernorm.weight"] = norm()
        state[p + "post_attention_layernorm.weight"] = norm()
    state["norm.weight"] = norm()
    return {k: v.float().contiguous() for k, v in state.items()}


def _write_weights(out_dir: Path, state: dict[str, torch.Tensor], sharded: bool) -> None:
    if not sharded:
        save_file(state, str(out_dir / "model.safetensors"), metadata={"format": "pt"})
        return
    keys = list(state)
    n_shards = 3
    chunks = [keys[i::n_shards] for i in range(n_shards)]
    weight_map: dict[str, str] = {}
    for i, chunk in enumerate(chunks, start=1):
        name = f"model-{i:05d}-of-{n_shards:05d}.safetensors"
        save_file({k: state[k] for k in chunk}, str(out_dir / name), metadata={"format": "pt"})
        weight_map.update({k: name for k in chunk})
    total = sum(t.numel() * t.element_size() for t in state.values())
    index = {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}
    (out_dir / "model.safetensors.index.json").write_text(json.dumps(index, indent=2) + "\n")


def build_tiny_llama(
    out_dir: Path,
    *,
    style: Literal["1b", "8b"] = "1b",
    sharded: bool = False,
    key_prefix: str = "",
    seed: int = 0,
    hidden_size: int = 64,
    intermediate_size: int = 128,
    num_layers: int = 2,
    num_heads: int = 4,
    num_kv_heads: int = 2,
    tokenizer_vocab: int = 480,
    with_tokenizer: bool = True,
    with_weights: bool = True,
    corpus: Sequence[str] = (),
) -> Path:
    """Write a tiny LLM2CLIP-style Llama repo to `out_dir` and return it.

    The same `seed` and sizes always give the same weights, so a sharded or prefixed copy can be compared with the
    single-file one. `with_tokenizer`/`with_weights` exist to test the loader's errors on incomplete folders.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tokenizer(tokenizer_vocab, corpus)
    vocab_size = tokenizer.get_vocab_size(with_added_tokens=True)
    config = _model_config(
        style, tokenizer, vocab_size, hidden_size, intermediate_size, num_layers, num_heads, num_kv_heads
    )
    (out_dir / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    if with_tokenizer:
        tokenizer.save(str(out_dir / "tokenizer.json"))
        (out_dir / "tokenizer_config.json").write_text(json.dumps(_tokenizer_config(tokenizer), indent=2) + "\n")
        (out_dir / "special_tokens_map.json").write_text(json.dumps(_special_tokens_map(), indent=2) + "\n")
    if with_weights:
        state = _random_state_dict(
            seed, vocab_size, hidden_size, intermediate_size, num_layers, num_heads, num_kv_heads
        )
        _write_weights(out_dir, {key_prefix + k: v for k, v in state.items()}, sharded)
    return out_dir
