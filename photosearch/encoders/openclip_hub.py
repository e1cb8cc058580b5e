"""Where open_clip's weights come from: the Hub through the project's downloader (cache first, one metadata call),
and offline mode made to hold through open_clip and transformers. Kept apart from `openclip.py`, which builds
the towers."""
from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from typing import Any, Iterator

HF_WEIGHTS_NAME = "open_clip_pytorch_model.bin"
HF_SAFE_WEIGHTS_NAME = "open_clip_model.safetensors"


def offline_requested() -> bool:
    """True when the environment asks for no network; huggingface_hub only reads it at import time."""
    import huggingface_hub.constants as hub_constants

    def env_true(name: str) -> bool:
        return os.environ.get(name, "").strip().upper() in {"1", "ON", "YES", "TRUE"}

    return env_true("HF_HUB_OFFLINE") or env_true("TRANSFORMERS_OFFLINE") or bool(hub_constants.HF_HUB_OFFLINE)


_offline_lock = threading.Lock()
_offline_depth = 0
_offline_before = False


@contextlib.contextmanager
def hub_offline(offline: bool) -> Iterator[None]:
    """Make every hub lookup inside (open_clip's, transformers') cache-only while offline is requested.

    huggingface_hub has no per-call switch that reaches through open_clip and transformers, so its module
    flag is raised for the duration; a depth count keeps overlapping builds in other threads covered.
    """
    global _offline_depth, _offline_before
    import huggingface_hub.constants as hub_constants

    if not offline:
        yield
        return
    with _offline_lock:
        if _offline_depth == 0:
            _offline_before = hub_constants.HF_HUB_OFFLINE
            hub_constants.HF_HUB_OFFLINE = True
        _offline_depth += 1
    try:
        yield
    finally:
        with _offline_lock:
            _offline_depth -= 1
            if _offline_depth == 0:
                hub_constants.HF_HUB_OFFLINE = _offline_before


def hub_file(repo: str, filename: str, cache_dir: str | None, offline: bool) -> Path:
    """One file of a hub repo through the project's downloader: the local cache first, then one metadata call
    that fails at once without a network (huggingface_hub's own retries took ~50 s to say "not found")."""
    from photosearch.download import HubFiles, ensure_downloaded

    with hub_offline(offline):
        return ensure_downloaded(HubFiles(repo, "main", files=(filename,)), cache_dir=cache_dir) / filename


def hub_weights(repo: str, filename: str | None, cache_dir: str | None, offline: bool) -> Path:
    """open_clip's choice of weights in a hub repo: the .safetensors twin first, then the named file.

    Every candidate is looked for in the cache before the Hub is asked, so a cached `.bin` is used offline
    even when the (uncached) safetensors twin would be preferred online.
    """
    from photosearch.errors import ModelNotAvailable, NotOnHub

    filename = filename or HF_WEIGHTS_NAME
    candidates = []
    if filename == HF_WEIGHTS_NAME:
        candidates.append(HF_SAFE_WEIGHTS_NAME)
    elif filename.endswith((".bin", ".pth")):
        candidates.append(filename[:-4] + ".safetensors")
    candidates.append(filename)
    unavailable: ModelNotAvailable | None = None
    for name in candidates:
        try:
            return hub_file(repo, name, cache_dir, offline=True)
        except ModelNotAvailable as e:
            unavailable = unavailable or e
    if offline and unavailable is not None:
        raise unavailable
    absent = []
    for name in candidates:
        try:
            return hub_file(repo, name, cache_dir, offline=False)  # HubUnreachable propagates at once
        except NotOnHub:
            absent.append(name)
    raise FileNotFoundError(
        f"hf-hub:{repo} on the Hugging Face Hub has no open_clip weights (tried {', '.join(absent)}); check the "
        "name, or pass a local weights file as `pretrained`"
    )


def tag_weights(tag_cfg: dict[str, Any], cache_dir: str | None, offline: bool) -> Path:
    """The local file behind an open_clip pretrained tag, resolved the way `open_clip.download_pretrained` does."""
    if "file" in tag_cfg:
        return Path(tag_cfg["file"])
    if tag_cfg.get("hf_hub"):
        repo, filename = os.path.split(tag_cfg["hf_hub"])
        return hub_weights(repo, filename or None, cache_dir, offline)
    url = tag_cfg.get("url", "")
    if not url:
        raise ValueError(f"open_clip pretrained config {tag_cfg} names no weights")
    target = Path(cache_dir or os.path.expanduser("~/.cache/clip")) / os.path.basename(url)
    if offline:
        if not target.is_file():
            raise FileNotFoundError(f"open_clip weights {target.name} are not in {target.parent} and offline mode "
                                    "is on; run once online, or pass a local weights file as `pretrained`")
        return target
    import open_clip

    return Path(open_clip.download_pretrained_from_url(url, cache_dir=cache_dir))
