"""`--device cpu-int8`: every linear layer of a tower in int8, including attention's input projections.

`quantize_dynamic` (PyTorch's fbgemm kernels: int8 weights per output channel, activations quantised per
batch) only replaces `nn.Linear` modules. CLIP-style towers (open_clip, Long-CLIP) keep their attention input
projection as a bare `in_proj_weight` of `nn.MultiheadAttention`, so a quarter of their linear FLOPs stayed
float32 and ViT-B-32-256 ran only 1.29x faster; `SplitAttention` holds the same weights as `nn.Linear` layers
first. torch.ao's eager quantisation API warns that it moves to torchao; it is what this pinned torch ships.
"""
from __future__ import annotations

import warnings

import torch
import torch.nn.functional as F
from torch import nn


class SplitAttention(nn.Module):
    """`nn.MultiheadAttention` (inference) with q/k/v/out projections as `nn.Linear`, same weights, same call."""

    def __init__(self, mha: nn.MultiheadAttention) -> None:
        super().__init__()
        self.num_heads, self.batch_first = mha.num_heads, mha.batch_first
        d = mha.embed_dim
        if mha.in_proj_weight is not None:
            weights = mha.in_proj_weight.detach().split(d)
        else:
            weights = (mha.q_proj_weight.detach(), mha.k_proj_weight.detach(), mha.v_proj_weight.detach())
        biases = mha.in_proj_bias.detach().split(d) if mha.in_proj_bias is not None else (None, None, None)
        self.q, self.k, self.v = (self._linear(w, b) for w, b in zip(weights, biases))
        self.out_proj = self._linear(mha.out_proj.weight.detach(),
                                     mha.out_proj.bias.detach() if mha.out_proj.bias is not None else None)

    @staticmethod
    def _linear(weight: torch.Tensor, bias: torch.Tensor | None) -> nn.Linear:
        layer = nn.Linear(weight.shape[1], weight.shape[0], bias=bias is not None,
                          device=weight.device, dtype=weight.dtype)
        layer.weight = nn.Parameter(weight.clone(), requires_grad=False)
        if bias is not None:
            layer.bias = nn.Parameter(bias.clone(), requires_grad=False)
        return layer

    def forward(self, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                key_padding_mask: torch.Tensor | None = None, need_weights: bool = True,
                attn_mask: torch.Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[torch.Tensor, None]:
        if not self.batch_first:  # (L, N, E) -> (N, L, E)
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        n, lq, _ = query.shape
        heads = self.num_heads

        def split(x: torch.Tensor) -> torch.Tensor:
            return x.reshape(n, x.shape[1], heads, -1).transpose(1, 2)

        q, k, v = split(self.q(query)), split(self.k(key)), split(self.v(value))
        mask = _additive(attn_mask, q.dtype, n, heads)
        if key_padding_mask is not None:
            pad = _additive(key_padding_mask, q.dtype, n, heads)
            pad = pad.reshape(n, 1, 1, -1)
            mask = pad if mask is None else mask + pad
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=is_causal and mask is None)
        out = self.out_proj(out.transpose(1, 2).reshape(n, lq, -1))
        return (out if self.batch_first else out.transpose(0, 1)), None


def _additive(mask: torch.Tensor | None, dtype: torch.dtype, n: int, heads: int) -> torch.Tensor | None:
    """MultiheadAttention's mask conventions (bool True = may not attend; float = added; 3-d = per batch x
    head) as an additive mask SDPA broadcasts."""
    if mask is None:
        return None
    if mask.dtype == torch.bool:
        mask = torch.zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill(mask, float("-inf"))
    mask = mask.to(dtype)
    if mask.dim() == 3:
        mask = mask.reshape(n, heads, mask.shape[-2], mask.shape[-1])
    return mask


def split_attention(tower: nn.Module) -> nn.Module:
    """Replace every `nn.MultiheadAttention` in `tower` by a `SplitAttention` holding the same weights."""
    for name, child in list(tower.named_children()):
        if isinstance(child, nn.MultiheadAttention):
            setattr(tower, name, SplitAttention(child))
        else:
            split_attention(child)
    return tower


def quantize_int8(tower: nn.Module) -> nn.Module:
    """Dynamic int8 in place of every linear layer of an inference tower (CPU only)."""
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    dtype = next(tower.parameters()).dtype
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quantize_dynamic(split_attention(tower), {nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8,
                         inplace=True)
    for module in tower.modules():  # open_clip's blocks read their dtype off `mlp.c_fc.weight`, now packed int8
        if hasattr(module, "get_cast_dtype"):
            module.get_cast_dtype = lambda dtype=dtype: dtype
    return tower
