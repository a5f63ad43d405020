"""Where the project keeps what it may rebuild: one cache root, resolved in one place, with a
folder per kind (fetched packages, embeddings, unpacked copies)."""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "COMCO_CACHE"


def cache_root() -> Path:
    """`$COMCO_CACHE`, else `$XDG_CACHE_HOME/comco`, else `~/.cache/comco`."""
    if CACHE_ENV in os.environ:
        return Path(os.environ[CACHE_ENV])
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "comco"


def cache_folder(kind: str) -> Path:
    """The cache root's folder for one kind of cached data, e.g. 'embeddings' or 'copies'."""
    return cache_root() / kind
