"""LLM2CLIP as one trainable module: the vision tower (EVA02, SigLIP2 or the HF OpenAI-CLIP layout), the LLM2Vec LLM, the
text adaptor and the logit scale; the same parts `load_llm2clip` gives search.

Saving writes what the released repos hold, so the result loads through the same loaders (and the authors'):
* the vision side as the released `.pt` (`visual.*` in the reference key order with its RoPE tables, the adaptor
  as `text.text_adaptor.*`, `logit_scale`), for SigLIP2 a folder with the released `CustomCLIP` state dict as
  `vision.pt` (and the LoRA folder when the LLM export is still the unmerged base), or for an HF-layout tower its folder (config.json, preprocessor
  config, `model.safetensors` with `vision_model.*`, `visual_projection.weight` and the adaptor);
* the LLM as a folder: its config and tokenizer files copied, the weights as `model.safetensors`. A LoRA
  trained on it (peft, stage 1) is merged into the weights first: the export is a plain Llama. A model loaded
  without its LLM (stage 2 trains on cached caption vectors and never loads it) links or copies the LLM's files.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import torch
from safetensors.torch import save_file

from photosearch.encoders.eva_vit import EvaVisionTower, reference_state_dict
from photosearch.encoders.llm2clip import LLM2CLIPText, _read_vision_checkpoint
from photosearch.encoders.llm2vec import LLM2VecEncoder, load_llm2vec, load_llm2vec_tokenizer
from photosearch.encoders.siglip_vit import SiglipVisionTower, released_state_dict
from photosearch.encoders.text_adaptor import TextAdaptor
from photosearch.factory import write_manifest
from photosearch.models.base import ClipModel, block_index

HF_ADAPTOR_PREFIX = "text_adapter.adaptor."
LLM_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
             "generation_config.json")


class LLM2CLIPModel(ClipModel):
    kind = "llm2clip"
    text: LLM2CLIPText

    def __init__(self, vision, llm: LLM2VecEncoder | None, adaptor: TextAdaptor, logit_scale: float | None,
                 vision_source: Path, llm_source: Path) -> None:
        tokenizer = llm.tokenizer if llm is not None else load_llm2vec_tokenizer(llm_source)
        super().__init__(vision, LLM2CLIPText(llm, adaptor), tokenizer, logit_scale)
        self.vision_source, self.llm_source = vision_source, llm_source
        self.lora_source: Path | None = None  # a LoRA not merged into `llm_source`'s files (SigLIP2 release)

    @classmethod
    def load(cls, vision: str | Path, llm: str | Path, llm_dtype: torch.dtype = torch.float32,
             with_llm: bool = True) -> "LLM2CLIPModel":
        """`with_llm=False`: the vision tower, the adaptor and the scale only (the LLM stays on disk)."""
        vision, llm = Path(vision), Path(llm)
        ckpt = _read_vision_checkpoint(vision)
        text_model = load_llm2vec(llm, dtype=llm_dtype, lora=ckpt.lora) if with_llm else None
        model = cls(ckpt.load_vision(), text_model, ckpt.load_adaptor(), ckpt.logit_scale(), vision, llm)
        model.lora_source = ckpt.lora
        return model

    @property
    def llm(self) -> LLM2VecEncoder:
        return self.text.llm

    @property
    def adaptor(self) -> TextAdaptor:
        return self.text.adaptor

    # -- saving ---------------------------------------------------------------------------------------------
    def save(self, folder: str | Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        adaptor = {k: v.detach().float().cpu().contiguous() for k, v in self.adaptor.state_dict().items()}
        if isinstance(self.vision, EvaVisionTower):
            state = {f"visual.{k}": v.float().cpu().contiguous() for k, v in reference_state_dict(self.vision).items()}
            state.update({f"text.{k}": v for k, v in adaptor.items()})
            state["logit_scale"] = self.logit_scale.detach().float().cpu().clone()
            torch.save(state, folder / "vision.pt")
            vision_name = "vision.pt"
        elif isinstance(self.vision, SiglipVisionTower):
            vision_name = "vision"
            self._save_siglip_vision(folder / vision_name, adaptor)
        else:
            vision_name = "vision"
            self._save_hf_vision(folder / vision_name, adaptor)
        self._save_llm(folder / "llm")
        write_manifest(folder, self.kind, vision=vision_name, llm="llm")
        return folder

    def _save_hf_vision(self, target: Path, adaptor: dict[str, torch.Tensor]) -> None:
        target.mkdir(parents=True, exist_ok=True)
        for name in ("config.json", "preprocessor_config.json"):
            if (self.vision_source / name).is_file():
                shutil.copyfile(self.vision_source / name, target / name)
        # transformers 5 keeps the ViT's parts directly on CLIPVisionModel; the released files name them
        # `vision_model.*`, which is also what its loading maps back
        state = {"vision_model." + k.removeprefix("vision_model."): v.detach().float().cpu().contiguous()
                 for k, v in self.vision.clip.state_dict().items()}
        state["visual_projection.weight"] = self.vision.visual_projection.weight.detach().float().cpu().contiguous()
        state.update({HF_ADAPTOR_PREFIX + k[len("text_adaptor."):]: v for k, v in adaptor.items()})
        state["logit_scale"] = self.logit_scale.detach().float().cpu().reshape(())
        save_file(state, str(target / "model.safetensors"))

    def _save_siglip_vision(self, target: Path, adaptor: dict[str, torch.Tensor]) -> None:
        """The released `CustomCLIP` layout (logit_scale, `visual.trunk.*`, `text.text_proj.*`) as `vision.pt`; the
        LoRA folder is copied beside it only while the exported LLM is still the unmerged base (no LLM loaded)."""
        target.mkdir(parents=True, exist_ok=True)
        state = {"logit_scale": self.logit_scale.detach().float().cpu().clone()}
        state.update(released_state_dict(self.vision))
        state.update({"text.text_proj." + k: v for k, v in adaptor.items()})
        torch.save(state, target / "vision.pt")
        if self.llm is None and self.lora_source is not None:
            shutil.copytree(self.lora_source, target / self.lora_source.name, dirs_exist_ok=True)

    def _save_llm(self, target: Path) -> None:
        target.mkdir(parents=True, exist_ok=True)
        if self.llm is None:  # unchanged: the same files (hard links when the disk allows, else copies)
            for source in self.llm_source.iterdir():
                if source.is_file():
                    _link_or_copy(source, target / source.name)
            return
        for name in LLM_FILES:
            if (self.llm_source / name).is_file():
                shutil.copyfile(self.llm_source / name, target / name)
        model = self.llm.model
        merge = getattr(model, "merge_and_unload", None)
        if merge is not None:  # a peft LoRA (stage 1): fold it into the weights
            model = merge()
            self.llm.model = model
        state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()
                 if not k.endswith("rotary_emb.inv_freq")}
        save_file(state, str(target / "model.safetensors"))

    # -- training helpers -----------------------------------------------------------------------------------
    def set_grad_checkpointing(self, enabled: bool = True) -> None:
        hf_models = [self.llm.model] if self.llm is not None else []
        if isinstance(self.vision, (EvaVisionTower, SiglipVisionTower)):
            self.vision.trunk.set_grad_checkpointing(enabled)
        else:
            hf_models.append(self.vision.clip)
        for model in hf_models:  # transformers models (peft wraps forward the calls to the base model)
            if enabled:
                model.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": False})
            else:
                model.activation_checkpointing_disable()

    def vision_depth(self) -> int:
        if isinstance(self.vision, (EvaVisionTower, SiglipVisionTower)):
            return len(self.vision.trunk.blocks)
        return len(self.vision.clip.encoder.layers)

    def vision_layer(self, name: str) -> int:
        block = block_index(name, (r"^trunk\.blocks\.(\d+)\.", r"^clip\.(?:vision_model\.)?encoder\.layers\.(\d+)\."))
        if block is not None:
            return block + 1
        if name.startswith(("trunk.patch_embed", "trunk.cls_token", "trunk.pos_embed", "trunk.rope",
                            "clip.embeddings", "clip.pre_layrnorm", "clip.vision_model.embeddings",
                            "clip.vision_model.pre_layrnorm")):
            return 0
        return self.vision_depth() + 1


def _link_or_copy(source: Path, target: Path) -> None:
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
