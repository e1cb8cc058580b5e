"""A tiny LLM2CLIP checkpoint in the released Hugging Face layout, with random weights.

The files mirror the released repos: config.json with the custom `LLM2CLIPModel` architecture and auto_map,
model.safetensors with `vision_model.*`, `visual_projection.weight`, `text_adapter.adaptor.*` and
`logit_scale`, and a CLIPImageProcessor preprocessor_config.json. Every tensor gets random values (LayerNorms
included) so a key loaded into the wrong slot changes the output.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import save_file
from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

from photosearch.encoders.text_adaptor import TextAdaptor

VISION = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, image_size=30,
              patch_size=6)
PROJECTION_DIM = 24
LLM_DIM = 16


def tiny_state_dict(seed: int = 0, *, adaptor_blocks: int = 4) -> dict[str, torch.Tensor]:
    """Key names come from transformers' CLIPVisionModelWithProjection (what LLM2CLIPModel's copy of the CLIP
    code produces) and from TextAdaptor renamed to the released `text_adapter.adaptor.` prefix."""
    torch.manual_seed(seed)
    vision = CLIPVisionModelWithProjection(CLIPVisionConfig(**VISION, projection_dim=PROJECTION_DIM))
    adaptor = TextAdaptor(LLM_DIM, PROJECTION_DIM, num_blocks=adaptor_blocks)
    state = {k: v for k, v in vision.state_dict().items() if not k.endswith("position_ids")}
    state.update({"text_adapter.adaptor." + k[len("text_adaptor."):]: v for k, v in adaptor.state_dict().items()})
    g = torch.Generator().manual_seed(seed + 1)
    state = {k: (v + 0.05 * torch.randn(v.shape, generator=g)).contiguous() for k, v in state.items()}
    state["logit_scale"] = torch.tensor(4.6052)
    return state


def config_json() -> dict:
    """Shaped like the released config.json (CLIPConfig with a custom architecture)."""
    return {
        "_name_or_path": "LLM2CLIP-Openai-tiny",
        "architectures": ["LLM2CLIPModel"],
        "auto_map": {
            "AutoConfig": "configuration_clip.CLIPConfig",
            "AutoModel": "modeling_clip.LLM2CLIPModel",
        },
        "initializer_factor": 1.0,
        "logit_scale_init_value": 2.6592,
        "model_type": "clip",
        "projection_dim": PROJECTION_DIM,
        "text_config": {
            "model_type": "clip_text_model",
            "hidden_size": 16,
            "intermediate_size": 32,
            "num_attention_heads": 2,
            "num_hidden_layers": 1,
            "projection_dim": PROJECTION_DIM,
            "vocab_size": 99,
        },
        "torch_dtype": "float32",
        "transformers_version": "4.44.2",
        "vision_config": {
            "model_type": "clip_vision_model",
            "dropout": 0.0,
            "hidden_act": "quick_gelu",
            "projection_dim": PROJECTION_DIM,
            **VISION,
        },
    }


def preprocessor_json(size: int = VISION["image_size"]) -> dict:
    return {
        "crop_size": {"height": size, "width": size},
        "do_center_crop": True,
        "do_convert_rgb": True,
        "do_normalize": True,
        "do_rescale": True,
        "do_resize": True,
        "image_mean": [0.48145466, 0.4578275, 0.40821073],
        "image_processor_type": "CLIPImageProcessor",
        "image_std": [0.26862954, 0.26130258, 0.27577711],
        "resample": 3,
        "rescale_factor": 0.00392156862745098,
        "size": {"shortest_edge": size},
    }


def write_tiny_hf_llm2clip(
    directory: Path,
    *,
    seed: int = 0,
    state: dict[str, torch.Tensor] | None = None,
    with_preprocessor: bool = True,
) -> Path:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text(json.dumps(config_json(), indent=2))
    if with_preprocessor:
        (directory / "preprocessor_config.json").write_text(json.dumps(preprocessor_json(), indent=2))
    save_file(state if state is not None else tiny_state_dict(seed), str(directory / "model.safetensors"),
              metadata={"format": "pt"})
    return directory
