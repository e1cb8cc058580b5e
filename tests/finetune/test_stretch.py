"""Long-CLIP's knowledge-preserving stretch: the reference `load_from_clip` rule, short texts unchanged, long
texts read to 248 tokens, and the kept rows held fixed through training steps."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from finetune.recipes.longclip import long_model, position_table
from finetune.stretch import KeptRows, stretch_positions, stretched_length
from photosearch.errors import ModelError
from photosearch.models import load_model
from tests.tiny.openclip import write_tiny_openclip


def test_the_table_grows_from_77_to_248_rows_by_the_reference_rule() -> None:
    old = torch.randn(77, 8, generator=torch.Generator().manual_seed(0))
    new = stretch_positions(old)
    assert new.shape == (248, 8) and stretched_length() == 248
    torch.testing.assert_close(new[:20], old[:20], rtol=0, atol=0)  # kept as they were
    # between two old rows, three interpolated ones at 1/4 steps (reference: 4*i + k + keep_len)
    i = 7
    for k in range(4):
        torch.testing.assert_close(new[20 + 4 * i + k], (4 - k) / 4 * old[20 + i] + k / 4 * old[21 + i])
    # the last four continue the final step
    for k in range(4):
        torch.testing.assert_close(new[244 + k], old[76] + k * (old[76] - old[75]) / 4)
    with pytest.raises(ModelError):
        stretch_positions(torch.zeros(50, 8))


@pytest.fixture(scope="module")
def clip77(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"openclip:local-dir:{write_tiny_openclip(tmp_path_factory.mktemp('clip77'), context_length=77)}"


def test_a_77_token_clip_becomes_a_248_token_model_that_reads_short_texts_as_before(clip77: str,
                                                                                    tmp_path: Path) -> None:
    before = load_model(clip77)
    after = long_model(clip77, tmp_path, keep=20)
    assert after.tokenizer.max_content == 246 and before.tokenizer.max_content == 75
    short = ["a red bicycle", "two dogs in the snow"]
    np.testing.assert_allclose(after.encoder().encode_texts(short), before.encoder().encode_texts(short), atol=1e-6)
    paragraph = "The kid in the yellow raincoat jumps into a puddle next to a red bicycle. " * 6
    _, info = after.encoder().encode_texts_with_info([paragraph])
    assert not info[0].truncated and info[0].kept_tokens > 75  # what 77 positions could never read
    # the image tower is untouched
    pixels = torch.rand(2, 3, before.image_size, before.image_size)
    np.testing.assert_allclose(after.encoder().encode_pixels(pixels), before.encoder().encode_pixels(pixels),
                               atol=1e-6)


def test_kept_rows_do_not_move_in_training_while_the_others_do(clip77: str, tmp_path: Path) -> None:
    model = long_model(clip77, tmp_path, keep=20)
    table = position_table(model)
    start = table.detach().clone()
    kept = KeptRows(table, 20)
    optimizer = torch.optim.AdamW([table], lr=1e-2, weight_decay=0.1)
    for _ in range(3):
        optimizer.zero_grad()
        model.encode_text(["a long caption " * 20]).sum().backward()
        assert table.grad[:20].abs().sum() == 0 and table.grad[20:].abs().sum() > 0
        optimizer.step()
        kept.restore()
    assert torch.equal(table[:20], start[:20])  # weight decay included
    assert not torch.equal(table[20:], start[20:])
