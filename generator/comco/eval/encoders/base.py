"""The encoder interface, model spec strings, and the offline rules every backend follows."""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

# backend name -> "module:function" that loads its models (imported on first use)
BACKENDS: dict[str, str] = {
    "hf": "comco.eval.encoders.hf:load",
    "openclip": "comco.eval.encoders.openclip:load",
    "sbert": "comco.eval.encoders.sbert:load",
}


@dataclass(frozen=True)
class ModelSpec:
    """A parsed spec string: backend and the backend's own name for the model."""

    backend: str
    name: str

    def __str__(self) -> str:
        return f"{self.backend}:{self.name}"


def parse_model_spec(text: str) -> ModelSpec:
    """'hf:openai/clip-vit-base-patch32' -> ModelSpec('hf', 'openai/clip-vit-base-patch32')."""
    backend, sep, name = text.partition(":")
    if not sep or backend not in BACKENDS or not name:
        raise ValueError(
            f"model: {text!r} is not '<backend>:<name>' with backend one of {sorted(BACKENDS)} "
            "(e.g. hf:openai/clip-vit-base-patch32, openclip:ViT-B-32/laion2b_s34b_b79k, "
            "sbert:all-MiniLM-L6-v2)"
        )
    return ModelSpec(backend, name)


@runtime_checkable
class Encoder(Protocol):
    """A model that embeds texts and/or images with its own tokenizer and preprocessing."""

    spec: ModelSpec
    modalities: frozenset[str]
    fingerprint: str

    def encode_text(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) float32 embeddings."""
        ...

    def encode_images(self, paths: list[Path]) -> np.ndarray:
        """(len(paths), dim) float32 embeddings of image files."""
        ...


class ModelNotAvailableError(RuntimeError):
    """A model that is neither on disk nor allowed to be downloaded."""


class MissingBackendError(ImportError):
    """An optional backend whose package is not installed."""


def ensure_offline() -> None:
    """Make the Hugging Face libraries use local files only, unless the user set otherwise.

    They read these variables once, at import; where huggingface_hub was imported already (an
    `hf:` dataset fetched first) its offline switch is set to match, so the rule holds either
    way. Set HF_HUB_OFFLINE=0 to allow downloads on a machine with hub access.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", os.environ["HF_HUB_OFFLINE"])
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    if "huggingface_hub" in sys.modules:
        from huggingface_hub import constants

        flag = os.environ["HF_HUB_OFFLINE"].upper()
        constants.HF_HUB_OFFLINE = flag in constants.ENV_VARS_TRUE_VALUES


def not_available(spec: ModelSpec, how: str) -> ModelNotAvailableError:
    """The error for a model that is not on disk, with the ways to put it there; it says
    downloads are off only when huggingface_hub is in offline mode."""
    from comco.io.hub import offline

    state = " and downloads are off here (HF_HUB_OFFLINE=1)" if offline() else ""
    return ModelNotAvailableError(f"model {spec}: not available locally{state}. {how}")


def directory_fingerprint(directory: Path, *parts: str) -> str:
    """A cache key for a model directory: file names, sizes and modification times.

    Cheap for multi-GB checkpoints and changes whenever a file is replaced.
    """
    digest = hashlib.sha256("\0".join(parts).encode())
    for path in sorted(Path(directory).rglob("*")):
        if path.is_file():
            stat = path.stat()
            rel = path.relative_to(directory).as_posix()
            digest.update(f"\0{rel}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def batches(items: list, size: int) -> list[list]:
    """Consecutive slices of at most `size` items."""
    if size < 1:
        raise ValueError(f"batch_size: {size} must be >= 1")
    return [items[i : i + size] for i in range(0, len(items), size)]
