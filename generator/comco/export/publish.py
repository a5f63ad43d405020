"""`comco publish`: upload a verified export to a dataset repository with huggingface_hub.

The upload is resumable: run the same command again after an interruption. Only the files the
manifest lists (and the manifest) are sent.
"""

from __future__ import annotations

from pathlib import Path

from huggingface_hub import HfApi, get_token
from huggingface_hub.utils import HFValidationError, validate_repo_id

from comco.dataset.manifest import MANIFEST_NAME, read_manifest


class PublishError(ValueError):
    """The export cannot be published as asked."""


def check_repo_id(repo_id: str) -> None:
    """A dataset repo id must be ORG/NAME."""
    try:
        validate_repo_id(repo_id)
    except HFValidationError as error:
        raise PublishError(f"repo-id: {repo_id!r} is not valid: {error}") from error
    if repo_id.count("/") != 1:
        raise PublishError(f"repo-id: {repo_id!r} must be ORG/NAME (an owner and a name)")


def upload_plan(root: Path) -> list[tuple[str, int]]:
    """(path, bytes) of every file that would be sent, the manifest last."""
    manifest = read_manifest(root)
    plan = sorted((name, record.bytes) for name, record in manifest.files.items())
    return [*plan, (MANIFEST_NAME, (root / MANIFEST_NAME).stat().st_size)]


def require_token() -> str:
    """The token huggingface_hub finds (HF_TOKEN or a saved login), or a clear error."""
    token = get_token()
    if not token:
        raise PublishError(
            "token: no Hugging Face token found; set HF_TOKEN or run `hf auth login` first"
        )
    return token


def upload(root: Path, repo_id: str, private: bool, token: str) -> None:
    """Create the dataset repo if needed, then upload the planned files, resumably."""
    api = HfApi(token=token)
    api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
    files = [name for name, _ in upload_plan(root)]
    # older huggingface_hub resumes only through upload_large_folder; newer releases (2.x)
    # dropped it and made upload_folder itself streamed and resumable (with hf_xet)
    large = getattr(api, "upload_large_folder", None)
    if large is not None:
        large(repo_id=repo_id, folder_path=root, repo_type="dataset", allow_patterns=files)
    else:
        api.upload_folder(
            repo_id=repo_id,
            folder_path=root,
            repo_type="dataset",
            allow_patterns=files,
            commit_message="Upload dataset with comco publish",
        )
