"""LLM2Vec text tower: equal to the reference LLM2Vec on a tiny Llama, bidirectional, pooled over the right tokens."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from transformers import LlamaModel, PreTrainedTokenizerFast

from photosearch.encoders.base import TokenizedTexts
from photosearch.encoders.llm2vec import (
    LLM2VecEncoder,
    LLM2VecTokenizer,
    load_llm2vec,
    load_llm2vec_tokenizer,
    read_llama_config,
    read_llama_weights,
)
from tests.tiny.llama import build_tiny_llama, build_tokenizer

GOLDEN = Path(__file__).parent / "fixtures" / "golden" / "llm2vec"
ATTENTION = ["sdpa", "eager"]


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    """Tiny matrices: extra OpenMP threads only spin, and on a busy 2-core box that costs ~100x."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def golden() -> tuple[list[str], dict[str, torch.Tensor]]:
    texts = json.loads((GOLDEN / "texts.json").read_text(encoding="utf-8"))["texts"]
    return texts, load_file(str(GOLDEN / "expected.safetensors"))


@pytest.fixture(scope="module", params=ATTENTION)
def encoder(request: pytest.FixtureRequest) -> LLM2VecEncoder:
    return load_llm2vec(GOLDEN / "model", attn_implementation=request.param)


@pytest.fixture(scope="module")
def sdpa_encoder() -> LLM2VecEncoder:
    return load_llm2vec(GOLDEN / "model")


def _assert_close(actual: torch.Tensor, expected: torch.Tensor) -> None:
    assert actual.dtype == torch.float32 and actual.shape == expected.shape
    assert (actual - expected).abs().max().item() <= 1e-4
    assert torch.nn.functional.cosine_similarity(actual, expected, dim=-1).min().item() >= 0.99999


def _text_with_tokens(tokenizer: LLM2VecTokenizer, n: int) -> str:
    """A plain-words text that tokenises to exactly `n` content tokens."""
    tok = tokenizer.tokenizer
    words = " ".join(["the dog runs on the beach at sunset with a red ball"] * (n // 4 + 1))
    offsets = tok(words, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
    text = words[: offsets[n - 1][1]]
    assert len(tok(text, add_special_tokens=False)["input_ids"]) == n
    return text


@torch.no_grad()
def _hidden(encoder: LLM2VecEncoder, batch) -> torch.Tensor:  # type: ignore[no-untyped-def]
    """Last hidden states exactly as the encoder's own forward computes them."""
    seen: list[torch.Tensor] = []
    handle = encoder.model.norm.register_forward_hook(lambda _m, _i, out: seen.append(out))
    try:
        encoder(batch)
    finally:
        handle.remove()
    return seen[0]


# -- equivalence with the reference ------------------------------------------------------------------------


def test_tokenization_matches_reference(sdpa_encoder: LLM2VecEncoder, golden) -> None:
    texts, expected = golden
    batch = sdpa_encoder.tokenize(texts)
    assert torch.equal(batch.tensors["input_ids"], expected["input_ids"].long())
    assert torch.equal(batch.tensors["attention_mask"], expected["attention_mask"].long())
    # The reference stores an empty embed mask where its `[-0:]` slice then averages the whole padded row;
    # our `embed_mask` is the set of positions actually averaged.
    reference = expected["embed_mask"].long()
    reference[reference.sum(-1) == 0] = 1
    assert torch.equal(batch.tensors["embed_mask"], reference)


@torch.no_grad()
def test_batch_vectors_match_reference(encoder: LLM2VecEncoder, golden) -> None:
    texts, expected = golden
    _assert_close(encoder(encoder.tokenize(texts)), expected["batch"])


@torch.no_grad()
def test_single_text_vectors_match_reference(encoder: LLM2VecEncoder, golden) -> None:
    texts, expected = golden
    _assert_close(torch.cat([encoder(encoder.tokenize([t])) for t in texts]), expected["alone"])


def test_reference_edge_cases_are_in_the_fixture(golden) -> None:
    """The golden set must keep exercising the quirks, else the equivalence tests above prove less."""
    texts, expected = golden
    embed, attention = expected["embed_mask"].long(), expected["attention_mask"].long()
    lengths = attention.sum(-1)
    assert lengths.max() == 512  # truncation at 512 happened
    assert any(e.sum() == 512 for e in embed)  # pooled span covers the whole row (BOS and header included)
    assert any(510 <= e.sum() < l for e, l in zip(embed, lengths))  # span reaching into the header
    assert any(e.sum() == 0 for e in embed)  # nothing after the separator: `[-0:]` pools the padding too
    assert any("!@#$%^&*()" in t for t in texts) and "" in texts
    assert any(t != t.rstrip() for t in texts)


# -- attention and pooling ---------------------------------------------------------------------------------


@pytest.mark.parametrize("attn", ATTENTION)
def test_attention_is_bidirectional(attn: str) -> None:
    encoder = load_llm2vec(GOLDEN / "model", attn_implementation=attn)
    batch = encoder.tokenize(["a dog runs on the beach"])
    ids = batch.tensors["input_ids"]
    edited = TokenizedTexts({**batch.tensors, "input_ids": ids.clone()}, batch.info)
    edited.tensors["input_ids"][0, -2] = ids[0, 3]  # last content token (before <|eot_id|>)
    first_changes = (_hidden(encoder, batch)[0, 0] - _hidden(encoder, edited)[0, 0]).abs().max()
    assert first_changes > 1e-3

    # Control: the same weights in a stock (causal) LlamaModel leave the first position untouched.
    causal = LlamaModel(read_llama_config(GOLDEN / "model", attn)).eval()
    causal.load_state_dict(read_llama_weights(GOLDEN / "model"))
    with torch.no_grad():
        before = causal(input_ids=ids).last_hidden_state[0, 0]
        after = causal(input_ids=edited.tensors["input_ids"]).last_hidden_state[0, 0]
    assert torch.allclose(before, after, atol=1e-6)


@pytest.mark.parametrize("attn", ATTENTION)
def test_left_padding_does_not_change_a_vector(attn: str) -> None:
    encoder = load_llm2vec(GOLDEN / "model", attn_implementation=attn)
    short = "a red ball on the sand"
    long = " ".join(["two children play football in the park near the old wooden boat"] * 12)
    batch = encoder.tokenize([short, long])
    assert batch.tensors["attention_mask"][0, 0] == 0  # the short text really is left-padded
    assert batch.tensors["attention_mask"][0, -1] == 1
    with torch.no_grad():
        alone = encoder(encoder.tokenize([short]))[0]
        padded = encoder(batch)[0]
    assert (alone - padded).abs().max() < 1e-5


def test_template_tokens_are_not_pooled(sdpa_encoder: LLM2VecEncoder) -> None:
    tok = sdpa_encoder.tokenizer.tokenizer
    batch = sdpa_encoder.tokenize(["a dog on the beach"])
    ids = batch.tensors["input_ids"][0].tolist()
    header_end = ids.index(tok.convert_tokens_to_ids("<|end_header_id|>"))
    content = tok(["a dog on the beach"], add_special_tokens=False)["input_ids"][0]
    # Pooled: the text and the closing <|eot_id|>; not BOS, the header or the blank line after it.
    pooled = [i for i, m in zip(ids, batch.tensors["embed_mask"][0].tolist()) if m]
    assert pooled == content + [tok.convert_tokens_to_ids("<|eot_id|>")]
    assert ids[: header_end + 2] == tok("<|start_header_id|>user<|end_header_id|>\n\n")["input_ids"]

    def poke(position: int) -> torch.Tensor:
        def hook(_module, _inputs, output):  # type: ignore[no-untyped-def]
            output = output.clone()
            output[0, position] += 100.0
            return output

        handle = sdpa_encoder.model.norm.register_forward_hook(hook)
        try:
            with torch.no_grad():
                return sdpa_encoder(batch)
        finally:
            handle.remove()

    with torch.no_grad():
        clean = sdpa_encoder(batch)
    hidden = _hidden(sdpa_encoder, batch)
    manual = hidden[0, header_end + 2 :].mean(0)
    assert torch.allclose(clean[0], manual, atol=1e-6)
    for header_position in range(header_end + 2):
        assert torch.equal(poke(header_position), clean)
    assert not torch.allclose(poke(header_end + 2), clean)  # control: a content position does count


def test_output_is_float32_and_rope_stays_float32_in_bf16() -> None:
    encoder = load_llm2vec(GOLDEN / "model", dtype=torch.bfloat16)
    assert encoder.model.layers[0].self_attn.q_proj.weight.dtype == torch.bfloat16
    assert encoder.model.rotary_emb.inv_freq.dtype == torch.float32
    encoder.to(dtype=torch.float32).to(dtype=torch.bfloat16)
    assert encoder.model.rotary_emb.inv_freq.dtype == torch.float32
    with torch.no_grad():
        vectors = encoder(encoder.tokenize(["a dog", "一只小狗"]))
    assert vectors.dtype == torch.float32 and vectors.shape == (2, encoder.hidden_size)
    assert isinstance(encoder.model, LlamaModel) and encoder.hidden_size == encoder.output_dim == 64


# -- token accounting --------------------------------------------------------------------------------------


def test_truncation_past_512_is_reported(sdpa_encoder: LLM2VecEncoder) -> None:
    tokenizer = sdpa_encoder.tokenizer
    fits = _text_with_tokens(tokenizer, 506)  # BOS + 4 header tokens + 506 + <|eot_id|> = 512
    eot_cut = _text_with_tokens(tokenizer, 507)  # only <|eot_id|> falls off
    long = _text_with_tokens(tokenizer, 700)
    batch = sdpa_encoder.tokenize(["a dog", fits, eot_cut, long])
    assert batch.tensors["input_ids"].shape[1] == 512
    info = batch.info
    assert (info[0].n_tokens, info[0].kept_tokens, info[0].truncated) == (2, 2, False)
    assert (info[1].n_tokens, info[1].kept_tokens, info[1].truncated) == (506, 506, False)
    assert (info[2].n_tokens, info[2].kept_tokens, info[2].truncated) == (507, 507, False)
    assert (info[3].n_tokens, info[3].kept_tokens, info[3].truncated) == (700, 507, True)
    eot = tokenizer.tokenizer.convert_tokens_to_ids("<|eot_id|>")
    assert batch.tensors["input_ids"][1, -1] == eot and batch.tensors["input_ids"][2, -1] != eot


def test_word_level_doc_max_length_cut() -> None:
    base = load_llm2vec_tokenizer(GOLDEN / "model")
    short_docs = LLM2VecTokenizer(base.tokenizer, max_length=512, doc_max_length=10)
    text = " ".join(f"word{i}" for i in range(40))
    info = short_docs([text]).info[0]
    assert info.truncated and info.kept_tokens <= 10 < info.n_tokens
    assert not base([text]).info[0].truncated


@pytest.mark.parametrize(
    "text",
    ["一只小狗在海滩上奔跑", "Собака бежит по пляжу", "كلب يركض على الشاطئ", "🐶🏖️🌅👍🏽", "日本語とEnglish混在 ✓"],
)
def test_any_script_round_trips_and_embeds(sdpa_encoder: LLM2VecEncoder, text: str) -> None:
    batch = sdpa_encoder.tokenize([text])
    tok = sdpa_encoder.tokenizer.tokenizer
    pooled_ids = batch.tensors["input_ids"][0][batch.tensors["embed_mask"][0].bool()].tolist()
    assert tok.decode(pooled_ids) == text + "<|eot_id|>"
    assert batch.info[0].n_tokens == len(pooled_ids) - 1 and not batch.info[0].truncated
    with torch.no_grad():
        vector = sdpa_encoder(batch)[0]
        other = sdpa_encoder(sdpa_encoder.tokenize(["a dog"]))[0]
    assert torch.isfinite(vector).all() and not torch.allclose(vector, other, atol=1e-3)


def test_tokenizer_only_loader_matches_encoder(tmp_path: Path, sdpa_encoder: LLM2VecEncoder) -> None:
    no_weights = build_tiny_llama(tmp_path / "tok_only", with_weights=False)
    tokenize = load_llm2vec_tokenizer(no_weights)
    texts = ["a dog", "一只小狗 🐶", ""]
    mine, theirs = tokenize(texts), sdpa_encoder.tokenize(texts)
    for key in ("input_ids", "attention_mask", "embed_mask"):
        assert torch.equal(mine.tensors[key], theirs.tensors[key])
    assert mine.info == theirs.info


def test_no_llama3_turn_without_its_tokens() -> None:
    """A tokenizer without the Llama-3 header tokens gets LLM2Vec's untemplated input (BOS + text)."""
    raw = build_tokenizer()
    raw.post_processor = None
    plain = PreTrainedTokenizerFast(tokenizer_object=raw, eos_token="<|end_of_text|>")
    plain.add_special_tokens({"bos_token": "<|begin_of_text|>"})
    del_vocab = {"<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"}
    plain.get_vocab = lambda: {k: v for k, v in raw.get_vocab(with_added_tokens=True).items() if k not in del_vocab}
    tokenize = LLM2VecTokenizer(plain)
    assert not tokenize.uses_template
    batch = tokenize(["  a dog  "])
    ids = batch.tensors["input_ids"][0].tolist()
    assert ids == plain(["  a dog  "], add_special_tokens=False)["input_ids"][0]
    assert batch.tensors["embed_mask"].all()


# -- layouts and errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "prefix"), [("1b", ""), ("1b", "model."), ("8b", ""), ("8b", "model.")]
)
def test_sharded_and_prefixed_layouts_load_identically(tmp_path: Path, style: str, prefix: str) -> None:
    single = build_tiny_llama(tmp_path / "single", style=style, seed=3)
    sharded = build_tiny_llama(tmp_path / "sharded", style=style, seed=3, sharded=True, key_prefix=prefix)
    assert not (sharded / "model.safetensors").exists()
    assert len(json.loads((sharded / "model.safetensors.index.json").read_text())["weight_map"]) > 10
    a, b = load_llm2vec(single), load_llm2vec(sharded)
    for (name, p), (name_b, q) in zip(a.model.state_dict().items(), b.model.state_dict().items()):
        assert name == name_b and torch.equal(p, q)
    texts = ["a dog on the beach", "Собака 🐶"]
    with torch.no_grad():
        assert torch.equal(a(a.tokenize(texts)), b(b.tokenize(texts)))


def test_released_config_fields_are_ignored_not_executed(tmp_path: Path) -> None:
    model_dir = build_tiny_llama(tmp_path / "m", style="8b")
    config = json.loads((model_dir / "config.json").read_text())
    assert "auto_map" in config and config["architectures"] == ["LlamaEncoderModel"]
    assert not any(model_dir.glob("*.py"))  # nothing to execute, and nothing is needed
    assert isinstance(load_llm2vec(model_dir).model, LlamaModel)


def test_missing_tokenizer_is_a_clear_error(tmp_path: Path) -> None:
    model_dir = build_tiny_llama(tmp_path / "m", with_tokenizer=False)
    with pytest.raises(FileNotFoundError, match="tokenizer.json"):
        load_llm2vec_tokenizer(model_dir)
    with pytest.raises(FileNotFoundError, match="tokenizer.json"):
        load_llm2vec(model_dir)


def test_missing_weights_is_a_clear_error(tmp_path: Path) -> None:
    model_dir = build_tiny_llama(tmp_path / "m", with_weights=False)
    with pytest.raises(FileNotFoundError, match="model.safetensors"):
        load_llm2vec(model_dir)
    (model_dir / "pytorch_model.bin").write_bytes(b"not loaded")
    with pytest.raises(FileNotFoundError, match="only safetensors"):
        load_llm2vec(model_dir)


def test_missing_shard_and_missing_folder_are_clear_errors(tmp_path: Path) -> None:
    model_dir = build_tiny_llama(tmp_path / "m", sharded=True)
    (model_dir / "model-00002-of-00003.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match="model-00002-of-00003"):
        load_llm2vec(model_dir)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_llm2vec(tmp_path / "nowhere")
    shutil.copytree(GOLDEN / "model", tmp_path / "noconfig")
    (tmp_path / "noconfig" / "config.json").unlink()
    with pytest.raises(FileNotFoundError, match="config.json"):
        load_llm2vec(tmp_path / "noconfig")


def test_weights_that_do_not_fit_the_config_are_rejected(tmp_path: Path) -> None:
    model_dir = build_tiny_llama(tmp_path / "m", num_layers=3)
    config = json.loads((model_dir / "config.json").read_text())
    config["num_hidden_layers"] = 2
    (model_dir / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="unexpected"):
        load_llm2vec(model_dir)
