"""Reads from the Hugging Face hub that cannot hang, and what offline mode really is.

huggingface_hub sends some requests with no timeout at all (`dataset_info`, the tree listing of
`snapshot_download`): an endpoint that accepts a connection and never answers holds them
forever. Inside `bounded_requests` every request that set no limit gets the library's own
`HF_HUB_DOWNLOAD_TIMEOUT` (seconds, default 10) for connecting and for each read and write.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

TIMEOUT_KINDS = ("connect", "read", "write", "pool")


def offline() -> bool:
    """Whether huggingface_hub itself is in offline mode now (HF_HUB_OFFLINE as it read it)."""
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE)


def request_timeout() -> float:
    """The seconds a hub request may wait for each step (HF_HUB_DOWNLOAD_TIMEOUT)."""
    from huggingface_hub import constants

    return float(constants.HF_HUB_DOWNLOAD_TIMEOUT)


@contextmanager
def bounded_requests() -> Iterator[None]:
    """Give every hub request of the block that has no timeout `request_timeout()` seconds."""
    from huggingface_hub import get_session

    limit = request_timeout()

    def bound(request: Any) -> None:
        given = request.extensions.get("timeout") or {}
        request.extensions["timeout"] = {
            kind: limit if given.get(kind) is None else given[kind] for kind in TIMEOUT_KINDS
        }

    hooks = get_session().event_hooks["request"]
    hooks.append(bound)
    try:
        yield
    finally:
        hooks.remove(bound)


def root_cause(error: BaseException) -> str:
    """'Kind: first line' of the innermost exception behind `error` (the hub client wraps
    network errors in its own, several lines long)."""
    while (error.__cause__ or error.__context__) is not None:
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__
