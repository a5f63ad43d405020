"""Model backends behind one small interface, chosen by a spec string:

    hf:openai/clip-vit-base-patch32   hf:/path/to/dir          (transformers CLIP / SigLIP)
    openclip:ViT-B-32-quickgelu/openai  openclip:local-dir:/path  (optional open_clip extra)
    sbert:all-MiniLM-L6-v2           sbert:/path/to/dir       (sentence-transformers, text only)

Backends are imported only when a model of theirs is loaded, and never reach the network.
"""

from __future__ import annotations

import importlib

from comco.eval.encoders.base import BACKENDS, Encoder, ModelSpec, parse_model_spec


def load_encoder(spec: str | ModelSpec, device: str = "auto", batch_size: int = 64) -> Encoder:
    """Load a model from its spec string, offline, on `device` ('auto' = cuda when present)."""
    model_spec = parse_model_spec(spec) if isinstance(spec, str) else spec
    module_name, attribute = BACKENDS[model_spec.backend].split(":")
    loader = getattr(importlib.import_module(module_name), attribute)
    return loader(model_spec, resolve_device(device), batch_size)


def resolve_device(device: str) -> str:
    """'auto' becomes 'cuda' when torch sees a GPU, else 'cpu'."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


__all__ = ["BACKENDS", "Encoder", "ModelSpec", "load_encoder", "parse_model_spec", "resolve_device"]
