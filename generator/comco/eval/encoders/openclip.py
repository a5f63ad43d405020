"""open_clip models (optional extra: `pip install 'comco[openclip]'`).

open_clip needs torchvision built for the installed torch; a mismatched torchvision also
breaks transformers, so this backend is kept apart and imported only when asked for.

Spec forms: `openclip:ARCH/TAG` (a pretrained tag already in the local cache),
`openclip:ARCH/path/to/weights.safetensors`, `openclip:local-dir:/path` (open_clip_config.json
beside the weights). Weights trained with QuickGELU must be named with a `-quickgelu`
architecture (e.g. ViT-B-32-quickgelu/openai): running them with GELU silently degrades them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import ModuleType

import numpy as np

from comco.eval.encoders.base import (
    MissingBackendError,
    ModelSpec,
    batches,
    directory_fingerprint,
    ensure_offline,
    not_available,
)

ensure_offline()


def _import_open_clip() -> ModuleType:
    try:
        import open_clip
    except Exception as error:  # a torchvision/torch mismatch raises RuntimeError, not ImportError
        raise MissingBackendError(
            f"backend openclip: open_clip does not import ({error.__class__.__name__}: {error}). "
            "Install it with a torchvision that matches torch, e.g. "
            "`pip install torch==2.13.0 open-clip-torch` in one command, or use hf: models."
        ) from error
    return open_clip


def split_name(spec: ModelSpec) -> tuple[str, str | None]:
    """('local-dir:/p', None) or (ARCH, TAG-or-path)."""
    if spec.name.startswith("local-dir:"):
        return spec.name, None
    arch, sep, pretrained = spec.name.partition("/")
    if not sep or not arch or not pretrained:
        raise ValueError(
            f"model {spec}: expected openclip:ARCH/TAG (e.g. ViT-B-32/laion2b_s34b_b79k), "
            "openclip:ARCH/path/to/weights or openclip:local-dir:/path"
        )
    return arch, pretrained


def check_quickgelu(open_clip: ModuleType, arch: str, tag: str) -> None:
    """Refuse QuickGELU-trained weights on a GELU architecture, and unknown tags; name the fix.

    open_clip lists OpenAI weights either under `ARCH-quickgelu` only or under both names
    with `quick_gelu` in the pretrained config, depending on its version: check both.
    """
    explicit = "quickgelu" in arch.lower()
    fix = f"name the architecture explicitly: openclip:{arch}-quickgelu/{tag}"
    if not open_clip.is_pretrained_cfg(arch, tag):
        if not explicit and open_clip.is_pretrained_cfg(f"{arch}-quickgelu", tag):
            raise ValueError(f"model openclip:{arch}/{tag}: trained with QuickGELU; {fix}")
        raise ValueError(
            f"model openclip:{arch}/{tag}: open_clip has no pretrained tag {tag!r} for {arch!r}; "
            "expected a pair from open_clip.list_pretrained() or a weights file path"
        )
    if open_clip.get_pretrained_cfg(arch, tag).get("quick_gelu") and not explicit:
        raise ValueError(f"model openclip:{arch}/{tag}: trained with QuickGELU; {fix}")


class OpenClipEncoder:
    """An open_clip model with its own tokenizer and validation transform."""

    modalities = frozenset({"text", "image"})

    def __init__(self, spec: ModelSpec, device: str, batch_size: int) -> None:
        open_clip = _import_open_clip()
        import torch

        self._torch = torch
        self.spec = spec
        self.device = device
        self.batch_size = batch_size
        arch, pretrained = split_name(spec)
        weights = Path(pretrained).expanduser() if pretrained else None
        if pretrained is None:  # local-dir: config and weights in one folder
            self.fingerprint = directory_fingerprint(
                Path(arch.removeprefix("local-dir:")), str(spec)
            )
            model, _, self.preprocess = open_clip.create_model_and_transforms(arch, device=device)
        elif weights is not None and weights.is_file():
            self.fingerprint = directory_fingerprint(weights.parent, str(spec), weights.name)
            model, _, self.preprocess = open_clip.create_model_and_transforms(
                arch, pretrained=str(weights), device=device
            )
        else:
            check_quickgelu(open_clip, arch, pretrained)
            version = getattr(open_clip, "__version__", "?")
            self.fingerprint = hashlib.sha256(f"{spec}\0{version}".encode()).hexdigest()
            try:
                model, _, self.preprocess = open_clip.create_model_and_transforms(
                    arch, pretrained=pretrained, device=device
                )
            except RuntimeError as error:
                raise not_available(
                    spec,
                    "Run it once where the hub is reachable (HF_HUB_OFFLINE=0) to fill the cache, "
                    f"or save the weights and pass openclip:{arch}/path/to/weights.safetensors "
                    f"({error}).",
                ) from error
        self.model = model.eval()
        self.tokenizer = open_clip.get_tokenizer(arch)

    def encode_text(self, texts: list[str]) -> np.ndarray:
        with self._torch.inference_mode():
            out = [
                self.model.encode_text(self.tokenizer(chunk).to(self.device)).float().cpu().numpy()
                for chunk in batches(list(texts), self.batch_size)
            ]
        return np.concatenate(out)

    def encode_images(self, paths: list[Path]) -> np.ndarray:
        from PIL import Image

        out = []
        with self._torch.inference_mode():
            for chunk in batches(list(paths), self.batch_size):
                tensors = []
                for path in chunk:
                    with Image.open(path) as image:
                        tensors.append(self.preprocess(image.convert("RGB")))
                pixels = self._torch.stack(tensors).to(self.device)
                out.append(self.model.encode_image(pixels).float().cpu().numpy())
        return np.concatenate(out)


def load(spec: ModelSpec, device: str, batch_size: int) -> OpenClipEncoder:
    return OpenClipEncoder(spec, device, batch_size)
