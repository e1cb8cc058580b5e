"""Model specs -> encoders, in open_clip's style: JSON presets in `model_configs/` plus local specs.

Spec forms (CLI `--model`, Python `create_encoder`):
  <preset>                           a name from `model_configs/*.json` (downloaded on first use)
  longclip:<file.pt>                 a Long-CLIP checkpoint
  llm2clip:<vision>+<llm dir>        vision = EVA02 `.pt` or HF LLM2CLIP-Openai folder; llm = CC LLM folder
  openclip:<name>[@<pretrained>]     any open_clip model; pretrained = tag or weights file; name may be hf-hub:...
  <directory>                        a folder with `photosearch-model.json` (what fine-tuning exports)
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from photosearch.errors import InvalidInput, ModelError, PhotoSearchError

if TYPE_CHECKING:  # torch loads only when an encoder is made, so `photosearch --help` stays instant
    from photosearch.encoders.base import Encoder
    from photosearch.progress import Control, ProgressCallback

MANIFEST = "photosearch-model.json"
_DEVICE = re.compile(r"auto|cpu|cpu-int8|mps|cuda(:\d+)?")


PRESETS_ENV_VAR = "PHOTOSEARCH_PRESETS_DIR"


@dataclass(frozen=True)
class Preset:
    name: str
    kind: str
    description: str
    parts: dict[str, dict[str, Any]] = field(default_factory=dict)  # role -> {repo_id, revision, files|patterns}
    openclip_name: str | None = None
    card: dict[str, Any] = field(default_factory=dict)  # size, languages, speeds: see photosearch.catalog
    # presets this name stood for before (oldest last): a library indexed under the name keeps its vectors
    formerly: tuple[str, ...] = ()


def list_presets() -> list[Preset]:
    """The built-in presets, then any `*.json` in `$PHOTOSEARCH_PRESETS_DIR` (a mirror, a team's own models)."""
    entries = [e for e in (resources.files("photosearch") / "model_configs").iterdir() if e.name.endswith(".json")]
    extra = os.environ.get(PRESETS_ENV_VAR)
    if extra and Path(extra).is_dir():
        entries += [p for p in Path(extra).iterdir() if p.suffix == ".json"]
    presets: dict[str, Preset] = {}
    for entry in sorted(entries, key=lambda e: e.name):
        data = json.loads(entry.read_text())
        name = entry.name[: -len(".json")]
        presets.setdefault(name, Preset(
            name=name,
            kind=data["kind"],
            description=data.get("description", ""),
            parts=data.get("parts", {}),
            openclip_name=data.get("openclip_name"),
            card=data.get("card", {}),
            formerly=tuple(data.get("formerly", ())),
        ))
    return list(presets.values())


def get_preset(name: str) -> Preset | None:
    return next((p for p in list_presets() if p.name == name), None)


def _hub_files(part: dict[str, Any]):
    from photosearch.download import HubFiles

    return HubFiles(
        repo_id=part["repo_id"],
        revision=part["revision"],
        files=tuple(part.get("files", ())),
        patterns=tuple(part.get("patterns", ())),
    )


def download_preset(
    preset: Preset, progress: "ProgressCallback | None" = None, control: "Control | None" = None
) -> dict[str, Path]:
    """Fetch (or find in the local cache) every part of a preset; returns role -> local path."""
    from photosearch.download import ensure_downloaded

    local: dict[str, Path] = {}
    for role, part in preset.parts.items():
        folder = ensure_downloaded(_hub_files(part), progress=progress, control=control, name=preset.name)
        files = part.get("files", ())
        local[role] = folder / files[0] if len(files) == 1 else folder
    return local


def former_specs(spec: str) -> tuple[list[str], list[str]]:
    """What a preset name stood for before (`Preset.formerly`), split into (downloaded, not downloaded): a
    library indexed under the name tries these for its model id, the downloaded ones before any download."""
    from photosearch.download import is_downloaded

    preset = get_preset(spec)
    formers = [p for p in (get_preset(n) for n in (preset.formerly if preset else ())) if p is not None]
    here = [p.name for p in formers if all(is_downloaded(_hub_files(part)) for part in p.parts.values())]
    return here, [p.name for p in formers if p.name not in here]


def validate_device(name: str | None) -> str:
    """`auto` (None), `cpu`, `cpu-int8`, `cuda`, `cuda:N` or `mps`; anything else is an InvalidInput (no torch)."""
    value = (name or "auto").strip().lower()
    if not _DEVICE.fullmatch(value):
        raise InvalidInput(f"unknown device {name!r}: use auto, cpu, cpu-int8, cuda, cuda:N or mps")
    return value


def canonical_spec(spec: str) -> str:
    """The spec with every local path made absolute (and `~` expanded), so a library records a model that
    still resolves when used from another folder. Presets and open_clip tags are returned as they are."""
    spec = spec.strip()
    if not spec:
        raise InvalidInput("empty model spec")
    if get_preset(spec) is not None:
        return spec
    kind, sep, rest = spec.partition(":")
    if sep and kind == "longclip":
        return f"longclip:{_absolute(rest)}"
    if sep and kind == "llm2clip":
        vision, llm = _split_pair(rest)
        return f"llm2clip:{_absolute(vision)}+{_absolute(llm)}"
    if sep and kind == "openclip":
        name, _, pretrained = rest.rpartition("@") if "@" in rest else (rest, "", "")
        if name.startswith("local-dir:"):
            name = "local-dir:" + _absolute(name[len("local-dir:"):])
        if pretrained and (os.sep in pretrained or Path(pretrained).expanduser().exists()):
            pretrained = _absolute(pretrained)
        return f"openclip:{name}" + (f"@{pretrained}" if pretrained else "")
    path = Path(spec).expanduser()
    if path.is_dir() and (path / MANIFEST).exists():
        return _absolute(spec)
    raise _unknown_spec(spec)


def _absolute(path: str | os.PathLike[str]) -> str:
    return os.path.abspath(os.path.expanduser(os.fspath(path)))


def _unknown_spec(spec: str) -> ModelError:
    names = ", ".join(p.name for p in list_presets())
    path = Path(spec).expanduser()
    if path.is_dir():
        why = f"the folder {spec} has no {MANIFEST}"
    elif path.is_file():
        why = f"{spec} is a file: say which kind it is, e.g. longclip:{spec}"
    else:
        why = f"unknown model {spec!r}"
    return ModelError(
        f"{why}; use a preset ({names}), longclip:<file.pt>, llm2clip:<vision>+<llm dir>, "
        f"openclip:<name>[@<pretrained>], or a folder containing {MANIFEST}"
    )


def resolve_spec(
    spec: str, progress: "ProgressCallback | None" = None, control: "Control | None" = None
) -> tuple[str, dict[str, Any]]:
    """Spec string -> (kind, keyword arguments of that kind's loader), downloading presets if needed."""
    preset = get_preset(spec)
    if preset is not None:
        local = download_preset(preset, progress=progress, control=control)
        if preset.kind == "openclip":
            text = {"hf_text_dir": str(local["text_config"])} if "text_config" in local else {}
            return "openclip", {"name": preset.openclip_name, "pretrained": str(local["weights"]), **text}
        if preset.kind == "longclip":
            return "longclip", {"path": local["weights"]}
        return "llm2clip", {"vision": local["vision"], "llm": local["llm"]}

    kind, sep, rest = spec.partition(":")
    if sep and kind == "longclip":
        return "longclip", {"path": Path(rest).expanduser()}
    if sep and kind == "llm2clip":
        vision, llm = _split_pair(rest)
        return "llm2clip", {"vision": vision, "llm": llm}
    if sep and kind == "openclip":
        name, _, pretrained = rest.rpartition("@") if "@" in rest else (rest, "", "")
        return "openclip", {"name": name, "pretrained": pretrained or None}

    path = Path(spec).expanduser()
    if path.is_dir() and (path / MANIFEST).exists():
        return _from_manifest(path)
    raise _unknown_spec(spec)


def spec_kind(spec: str) -> str:
    """The family a spec names ("longclip", "llm2clip", "openclip") without loading or downloading anything."""
    preset = get_preset(spec)
    if preset is not None:
        return preset.kind
    kind, sep, _ = spec.partition(":")
    if sep and kind in ("longclip", "llm2clip", "openclip"):
        return kind
    path = Path(spec).expanduser()
    if (path / MANIFEST).is_file():
        return _from_manifest(path)[0]
    raise _unknown_spec(spec)


def _split_pair(rest: str) -> tuple[Path, Path]:
    """Paths may contain '+', so prefer the split where both sides exist."""
    candidates = [(rest[:i], rest[i + 1 :]) for i, ch in enumerate(rest) if ch == "+"]
    if not candidates:
        raise ModelError("an llm2clip spec needs two paths: llm2clip:<vision .pt or HF dir>+<LLM HF dir>")
    for vision, llm in candidates:
        if Path(vision).expanduser().exists() and Path(llm).expanduser().exists():
            return Path(vision).expanduser(), Path(llm).expanduser()
    vision, llm = candidates[-1]
    return Path(vision).expanduser(), Path(llm).expanduser()


def _from_manifest(folder: Path) -> tuple[str, dict[str, Any]]:
    """The manifest names a kind and files relative to its folder (see README "Model specs")."""
    try:
        data = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read {folder / MANIFEST}: {exc}") from exc
    kind = data.get("kind") if isinstance(data, dict) else None
    if kind == "longclip":
        return "longclip", {"path": folder / data["weights"], "exact": bool(data.get("exact", False))}
    if kind == "llm2clip":
        return "llm2clip", {"vision": folder / data["vision"], "llm": folder / data["llm"]}
    if kind == "openclip":
        pretrained, name = data.get("pretrained"), data["name"]
        if name.startswith("local-dir:"):  # relative to the manifest's folder, like the other paths
            name = "local-dir:" + str(folder / name[len("local-dir:"):])
        return "openclip", {"name": name, "pretrained": str(folder / pretrained) if pretrained else None}
    raise ModelError(f"{folder / MANIFEST}: unknown kind {kind!r} (expected longclip, llm2clip or openclip)")


def spec_for_folder(folder: str | os.PathLike[str]) -> str:
    """The spec of a model folder a person picked: one with `photosearch-model.json` (what fine-tuning exports),
    or one holding a released model's files as downloaded by hand (a Long-CLIP `.pt`, or an LLM2CLIP vision
    `.pt` with its LLM folder beside it)."""
    path = Path(folder).expanduser().resolve()
    if (path / MANIFEST).is_file():
        return str(path)
    pts = sorted(p for p in path.glob("*.pt") if p.is_file())
    llms = sorted(p for p in path.iterdir() if p.is_dir() and (p / "config.json").is_file()) if path.is_dir() else []
    if len(pts) == 1 and len(llms) == 1:
        return f"llm2clip:{pts[0]}+{llms[0]}"
    if len(pts) == 1 and not llms:
        return f"longclip:{pts[0]}"
    raise ModelError(
        f"{path} holds no model PhotoSearch can tell apart: expected {MANIFEST}, one Long-CLIP .pt, or one "
        "LLM2CLIP vision .pt next to its LLM folder"
    )


def write_manifest(folder: Path, kind: str, **fields: Any) -> Path:
    """Used by fine-tuning exports so the result is a `--model` spec by itself (paths relative to `folder`)."""
    path = Path(folder) / MANIFEST
    path.write_text(json.dumps({"kind": kind, **fields}, indent=2) + "\n")
    return path


def create_encoder(
    spec: str | None = None,
    device: str | None = None,
    progress: "ProgressCallback | None" = None,
    control: "Control | None" = None,
) -> "Encoder":
    """The one way to get an encoder from a spec string.

    Downloads a preset's missing files first (reporting `Phase.DOWNLOAD` to `progress`, cancelled through
    `control`); the towers load later, on first use. Anything wrong with the spec or its files is a
    `ModelError` (or `InvalidInput` for the device) with one line naming the model.
    """
    device = validate_device(device)
    if not spec:  # the default depends on the device: photosearch.catalog.recommended says why
        from photosearch.catalog import default_model

        spec = default_model(device)
    spec = canonical_spec(spec)
    from photosearch.encoders.device import resolve_device

    plan = resolve_device(device)
    try:
        kind, kwargs = resolve_spec(spec, progress=progress, control=control)
        if kind == "longclip":
            from photosearch.encoders.longclip import load_longclip

            encoder = load_longclip(kwargs["path"], device=plan, exact=kwargs.get("exact", False))
        elif kind == "llm2clip":
            from photosearch.encoders.llm2clip import load_llm2clip

            encoder = load_llm2clip(kwargs["vision"], kwargs["llm"], device=plan)
        else:
            from photosearch.encoders.openclip import load_openclip

            encoder = load_openclip(kwargs["name"], kwargs["pretrained"], device=plan,
                                    hf_text_dir=kwargs.get("hf_text_dir"))
    except PhotoSearchError:
        raise
    except (ValueError, KeyError, OSError) as exc:  # the loaders' own checks of user-supplied files
        raise ModelError(f"cannot use model {spec}: {exc}") from exc
    encoder.spec = spec
    encoder.progress = progress
    return encoder
