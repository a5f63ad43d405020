"""Hugging Face transformers CLIP and SigLIP (a hub id already in the local cache, or a folder).

Each model uses its own processor: its tokenizer (SigLIP pads to max_length, as it was
trained) and its image resize/crop/normalisation. CLS attention is offered for CLIP ViTs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from comco.eval.encoders.base import (
    ModelSpec,
    batches,
    directory_fingerprint,
    ensure_offline,
    not_available,
)

ensure_offline()

import torch  # noqa: E402
from PIL import Image  # noqa: E402
from transformers import AutoModel, AutoProcessor  # noqa: E402

SUPPORTED_TYPES = ("clip", "siglip", "siglip2")


def resolve_directory(spec: ModelSpec) -> Path:
    """The local folder of a model: the path itself, or the hub id's snapshot in the HF cache."""
    path = Path(spec.name).expanduser()
    if path.is_dir():
        return path
    if spec.name.startswith(("/", ".", "~")):
        raise FileNotFoundError(f"model {spec}: {path} is not a directory")
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return Path(snapshot_download(spec.name, local_files_only=True))
    except (LocalEntryNotFoundError, OSError) as error:
        raise not_available(
            spec,
            f"On a machine with hub access run `hf download {spec.name} --local-dir DIR` and "
            f"pass hf:DIR, or fill the Hugging Face cache ({error.__class__.__name__}).",
        ) from error


class HFEncoder:
    """A transformers dual encoder (CLIPModel, SiglipModel) with its processor."""

    modalities = frozenset({"text", "image"})

    def __init__(self, spec: ModelSpec, device: str, batch_size: int) -> None:
        directory = resolve_directory(spec)
        self.spec = spec
        self.device = device
        self.batch_size = batch_size
        self.model = AutoModel.from_pretrained(directory, local_files_only=True).to(device).eval()
        self.model_type = self.model.config.model_type
        if self.model_type not in SUPPORTED_TYPES:
            raise ValueError(
                f"model {spec}: config.model_type {self.model_type!r} is not a dual encoder this "
                f"backend knows; expected one of {SUPPORTED_TYPES}"
            )
        self.processor = AutoProcessor.from_pretrained(directory, local_files_only=True)
        self.padding = "max_length" if self.model_type.startswith("siglip") else True
        self.fingerprint = directory_fingerprint(directory, str(spec), str(self.padding))

    @torch.inference_mode()
    def encode_text(self, texts: list[str]) -> np.ndarray:
        out = []
        for chunk in batches(list(texts), self.batch_size):
            tokens = self.processor.tokenizer(
                chunk, padding=self.padding, truncation=True, return_tensors="pt"
            ).to(self.device)
            out.append(_features(self.model.get_text_features(**tokens)))
        return np.concatenate(out) if out else np.zeros((0, 0), np.float32)

    @torch.inference_mode()
    def encode_images(self, paths: list[Path]) -> np.ndarray:
        out = []
        for chunk in batches(list(paths), self.batch_size):
            pixels = self._pixels([_open_rgb(p) for p in chunk])
            out.append(_features(self.model.get_image_features(pixel_values=pixels)))
        return np.concatenate(out) if out else np.zeros((0, 0), np.float32)

    def _pixels(self, images: list[Image.Image]) -> torch.Tensor:
        batch = self.processor.image_processor(images=images, return_tensors="pt")
        return batch["pixel_values"].to(self.device, self.model.dtype)

    @property
    def patch_grid(self) -> tuple[int, int]:
        """Patches per side of the vision tower's input."""
        vision = self.model.config.vision_config
        side = vision.image_size // vision.patch_size
        return side, side

    @torch.inference_mode()
    def cls_attention(self, paths: list[Path]) -> np.ndarray:
        """(images, layers, grid_h, grid_w): CLS-to-patch attention, mean over heads, each
        layer's map scaled to sum to 1 over the patches."""
        if self.model_type != "clip":
            raise NotImplementedError(
                f"model {self.spec}: CLS attention needs a ViT with a CLS token; "
                f"{self.model_type!r} pools without one"
            )
        self.model.vision_model.set_attn_implementation("eager")
        out = []
        for chunk in batches(list(paths), self.batch_size):
            pixels = self._pixels([_open_rgb(p) for p in chunk])
            attentions = self.model.vision_model(
                pixel_values=pixels, output_attentions=True
            ).attentions
            cls = torch.stack([a[:, :, 0, 1:].mean(dim=1) for a in attentions], dim=1)
            cls = cls / cls.sum(dim=-1, keepdim=True)
            out.append(cls.reshape(*cls.shape[:2], *self.patch_grid).float().cpu().numpy())
        return np.concatenate(out)

    def mask_coverage(self, masks: list[np.ndarray]) -> np.ndarray:
        """(masks, grid_h, grid_w): the share of each patch a binary image mask covers.

        The mask goes through the model's own image processor (resize, crop), so it lands on
        exactly the pixels the vision tower sees; normalisation is undone afterwards.
        """
        images = [Image.fromarray((np.asarray(m) > 0).astype(np.uint8) * 255) for m in masks]
        size = images[0].size
        references = [Image.new("L", size, 0), Image.new("L", size, 255)]
        batch = self.processor.image_processor(
            images=[i.convert("RGB") for i in images + references], return_tensors="pt"
        )
        channel = batch["pixel_values"][:, 0].float().numpy()
        low, high = channel[-2], channel[-1]
        share = np.clip((channel[:-2] - low) / (high - low), 0.0, 1.0)
        gh, gw = self.patch_grid
        n, h, w = share.shape
        return share.reshape(n, gh, h // gh, gw, w // gw).mean(axis=(2, 4))


def _features(output: torch.Tensor | object) -> np.ndarray:
    """transformers 5 returns a model output whose pooler_output holds the projection."""
    tensor = output if isinstance(output, torch.Tensor) else output.pooler_output
    return tensor.float().cpu().numpy()


def _open_rgb(path: Path) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("RGB")


def load(spec: ModelSpec, device: str, batch_size: int) -> HFEncoder:
    return HFEncoder(spec, device, batch_size)
