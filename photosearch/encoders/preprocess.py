"""OpenAI-CLIP image preprocessing, shared by every backend whose reference uses it (Long-CLIP, EVA-CLIP).

Bicubic shorter-side resize, torchvision's centre crop (offsets round half to even, as the references'),
RGB conversion after the crop (the references' order), OpenAI mean/std. Built from torchvision classes and a
module-level function so decode workers can pickle it.
"""
from __future__ import annotations

from typing import Callable

import torch
from PIL import Image

OPENAI_CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
OPENAI_CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


def to_rgb(image: Image.Image) -> Image.Image:
    return image.convert("RGB")


def clip_transform(image_size: int) -> Callable[[Image.Image], torch.Tensor]:
    from torchvision import transforms as T  # ~2 s to import; only needed once a tower exists

    return T.Compose(
        [
            T.Resize(image_size, interpolation=T.InterpolationMode.BICUBIC),
            T.CenterCrop(image_size),
            to_rgb,
            T.ToTensor(),
            T.Normalize(OPENAI_CLIP_MEAN, OPENAI_CLIP_STD),
        ]
    )
