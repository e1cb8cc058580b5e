"""An open_clip two-tower model as one trainable module: the same towers `load_openclip` gives search (sharing
one open_clip model's parameters) and its own `logit_scale`.

Saved as an open_clip `local-dir:` folder (`open_clip_config.json` with the model and preprocessing configs,
`open_clip_model.safetensors`), which open_clip itself loads too.
"""
from __future__ import annotations

import json
from pathlib import Path

from safetensors.torch import save_file

from photosearch.encoders.openclip import (
    HF_CONFIG_NAME,
    OpenClipSource,
    OpenClipTextTower,
    OpenClipVisionTower,
    resolve_openclip,
)
from photosearch.encoders.openclip_hub import HF_SAFE_WEIGHTS_NAME
from photosearch.encoders.openclip_tokenizer import OpenClipTokenizer
from photosearch.factory import write_manifest
from photosearch.models.base import ClipModel, block_index


class OpenClipModel(ClipModel):
    kind = "openclip"
    vision: OpenClipVisionTower
    text: OpenClipTextTower

    def __init__(self, model, source: OpenClipSource) -> None:
        import open_clip

        if type(model) not in (open_clip.CLIP, open_clip.CustomTextCLIP):
            raise ValueError(f"only two-tower open_clip models can be fine-tuned here, not {type(model).__name__}")
        preprocess = open_clip.get_model_preprocess_cfg(model)
        vision = OpenClipVisionTower(model, source.embed_dim)  # keeps model.visual ...
        text = OpenClipTextTower(model, source.embed_dim)  # ... before this drops it from the text half
        super().__init__(vision, text, OpenClipTokenizer(source.create_tokenizer()))
        self.logit_scale = model.logit_scale  # the model's own parameter (also saved with it)
        self.source = source
        self.preprocess = preprocess

    @classmethod
    def load(cls, name: str, pretrained: str | None, hf_text_dir: str | None = None) -> "OpenClipModel":
        source = resolve_openclip(name, pretrained, hf_text_dir=hf_text_dir)
        return cls(source.create_model(), source)

    def save(self, folder: str | Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        state = {f"visual.{k}": v for k, v in self.vision.visual.state_dict().items()}
        state.update(self.text.model.state_dict())
        save_file({k: v.detach().float().cpu().contiguous() for k, v in state.items()}, str(folder / HF_SAFE_WEIGHTS_NAME))
        config = {"model_cfg": self.source.model_cfg, "preprocess_cfg": self.preprocess}
        (folder / HF_CONFIG_NAME).write_text(json.dumps(config, indent=2))
        write_manifest(folder, self.kind, name="local-dir:.")
        return folder

    def set_grad_checkpointing(self, enabled: bool = True) -> None:
        self.vision.visual.set_grad_checkpointing(enabled)
        text = self.text.model  # its `visual` is gone, so not the model's own switch, which sets both halves
        if hasattr(text, "text"):  # CustomTextCLIP (HF text towers)
            text.text.set_grad_checkpointing(enabled)
        else:
            text.transformer.grad_checkpointing = enabled

    def vision_depth(self) -> int:
        transformer = getattr(self.vision.visual, "transformer", None)
        return len(transformer.resblocks) if transformer is not None else 0

    def vision_layer(self, name: str) -> int:
        block = block_index(name, (r"^visual\.transformer\.resblocks\.(\d+)\.",))
        if block is not None:
            return block + 1
        if name.startswith(("visual.conv1", "visual.class_embedding", "visual.positional_embedding", "visual.ln_pre")):
            return 0
        return self.vision_depth() + 1
