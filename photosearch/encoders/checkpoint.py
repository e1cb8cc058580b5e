"""Reading `.pt` state dicts safely, with an error a user can act on when the file is something else.

Every `.pt` checkpoint goes through `load_state_file`: `torch.load(weights_only=True)` (a pickle that holds
anything but tensors and plain containers is refused, so a malicious file never runs code), memory-mapped
when the file allows it so each tower materialises only its own tensors. torch's own refusal is a 10-line
essay about PyTorch 2.6 defaults; users passing the wrong file need one line saying what the file is.
"""
from __future__ import annotations

import pickle
import zipfile
from pathlib import Path
from typing import Any, Mapping

import torch

_IMAGE_MAGIC = {
    b"\xff\xd8\xff": "a JPEG image",
    b"\x89PNG": "a PNG image",
    b"GIF8": "a GIF image",
    b"RIFF": "a RIFF (WebP/AVI/WAV) file",
}


def load_state_file(path: Path, what: str) -> Any:
    """`torch.load` the file at `path` (weights only, mmap if possible); ValueError naming `what` otherwise."""
    path = Path(path)
    try:
        try:
            return torch.load(path, map_location="cpu", weights_only=True, mmap=True)
        except RuntimeError as exc:  # legacy (pre-zip) serialisation cannot be memory-mapped
            if "mmap" not in str(exc) or not _is_pickle(path):
                raise
            return torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, OSError, zipfile.BadZipFile) as exc:
        raise ValueError(f"{path} is not a {what} checkpoint: {describe_unreadable(path, exc)}") from exc


def check_shapes(module: torch.nn.Module, weights: dict[str, torch.Tensor], path: Path, what: str) -> None:
    """ValueError naming the file and the first tensor whose shape `module` cannot take.

    torch's own `load_state_dict` error is a multi-line RuntimeError listing every mismatch; a damaged or edited
    checkpoint (a wrong-shape tensor inside one block) deserves one line a user can act on."""
    expected = module.state_dict(keep_vars=True)
    bad = [k for k, v in weights.items() if k in expected and tuple(v.shape) != tuple(expected[k].shape)]
    if bad:
        key = bad[0]
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        raise ValueError(
            f"{path}: `{key}` has shape {tuple(weights[key].shape)} where the {what} its other tensors describe "
            f"needs {tuple(expected[key].shape)}{more} (the file is damaged or edited)"
        )


def require_same_layout(
    family: str, expected: Mapping[str, torch.Tensor], weights: Mapping[str, torch.Tensor], config: object,
    show: int | None = None,
) -> None:
    """ValueError unless `weights` has exactly the keys of `expected` (named, the first `show` of them) and each
    tensor its shape: a vision tower is built from shapes the file implies, so a mismatch means a foreign file."""
    missing = sorted(set(expected) - set(weights))
    unexpected = sorted(set(weights) - set(expected))
    if missing:
        raise ValueError(f"{family} vision state dict is missing {', '.join(f'`{k}`' for k in missing[:show])}")
    if unexpected:
        raise ValueError(f"{family} vision state dict has unexpected {', '.join(f'`{k}`' for k in unexpected[:show])}")
    for key, value in weights.items():
        if tuple(value.shape) != tuple(expected[key].shape):
            raise ValueError(f"`{key}` has shape {tuple(value.shape)}, expected {tuple(expected[key].shape)} for {config}")


def describe_unreadable(path: Path, exc: BaseException) -> str:
    """What the file is instead of a state dict, in a few words."""
    if isinstance(exc, OSError):
        return f"cannot read it ({exc.strerror or exc})"
    if isinstance(exc, pickle.UnpicklingError) and "weights only" in str(exc).lower():
        return "it holds Python objects besides tensors, which are never loaded (they could run code)"
    try:
        with open(path, "rb") as f:
            head = f.read(64)
    except OSError as e:
        return f"cannot read it ({e.strerror or e})"
    if not head:
        return "the file is empty"
    for magic, kind in _IMAGE_MAGIC.items():
        if head.startswith(magic):
            return f"it is {kind}"
    if head.startswith(b"PK"):
        return "it is a zip archive but not a PyTorch one (or it is incomplete)"
    try:
        head.decode("utf-8")
        return "it is a text file"
    except UnicodeDecodeError:
        return "it is not a PyTorch file (or it is incomplete)"


def _is_pickle(path: Path) -> bool:
    """Legacy torch.save files start with a pickle protocol marker (0x80, protocol 2-5)."""
    try:
        with open(path, "rb") as f:
            head = f.read(2)
    except OSError:
        return False
    return len(head) == 2 and head[0] == 0x80 and 2 <= head[1] <= 5
