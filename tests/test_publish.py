"""comco publish: everything short of the network. The hub cannot be reached from here, so
the upload itself is checked only for what it would be asked to do (a stand-in HfApi)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner

from comco.cli import main
from comco.dataset.manifest import MANIFEST_NAME, read_manifest
from comco.export import publish
from comco.export.exporter import export_dataset
from support.scenes import export_dataset_folder as make_rendered


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("renders") / "small"
    make_rendered(root)
    out = tmp_path_factory.mktemp("dist") / "small"
    export_dataset(root, out, ("parquet",))
    return out


def test_dry_run_lists_every_file_and_sends_nothing(dist: Path, monkeypatch) -> None:
    monkeypatch.setattr(publish, "HfApi", None)  # any use of the API would fail
    result = CliRunner().invoke(main, ["publish", str(dist), "--repo-id", "org/comco", "--dry-run"])
    assert result.exit_code == 0, result.output
    listed = [line.split()[-1] for line in result.output.splitlines()[:-1]]
    assert listed == [*sorted(read_manifest(dist).files), MANIFEST_NAME]
    assert result.output.splitlines()[-1].startswith(f"would upload {len(listed)} files")
    assert "public dataset org/comco" in result.output


@pytest.mark.parametrize("repo_id", ["comco", "a/b/c", "org/bad name", "org/x..y"])
def test_bad_repo_ids_are_refused(dist: Path, repo_id: str) -> None:
    result = CliRunner().invoke(main, ["publish", str(dist), "--repo-id", repo_id, "--dry-run"])
    assert result.exit_code == 1
    assert f"repo-id: {repo_id!r}" in result.output


def test_missing_token_is_explained(dist: Path, monkeypatch) -> None:
    monkeypatch.setattr(publish, "get_token", lambda: None)
    result = CliRunner().invoke(main, ["publish", str(dist), "--repo-id", "org/comco"])
    assert result.exit_code == 1
    assert "no Hugging Face token found; set HF_TOKEN" in result.output


def test_damaged_export_is_not_published(dist: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(dist, copy)
    (copy / "README.md").write_text("changed")
    result = CliRunner().invoke(main, ["publish", str(copy), "--repo-id", "org/comco", "--dry-run"])
    assert result.exit_code == 1
    assert "README.md: s" in result.output  # size or sha256 differs


class _FakeApi:
    """Records what publish asks of HfApi."""

    calls: ClassVar[list[tuple[str, dict]]] = []

    def __init__(self, token: str) -> None:
        self.calls.append(("init", {"token": token}))

    def create_repo(self, repo_id: str, **kwargs) -> None:
        self.calls.append(("create_repo", {"repo_id": repo_id, **kwargs}))

    def upload_folder(self, **kwargs) -> None:
        self.calls.append(("upload_folder", kwargs))


def test_upload_creates_the_dataset_repo_and_sends_only_listed_files(
    dist: Path, monkeypatch
) -> None:
    monkeypatch.setattr(publish, "HfApi", _FakeApi)
    monkeypatch.setattr(publish, "get_token", lambda: "hf_test")
    (dist / ".cache").mkdir(exist_ok=True)  # huggingface_hub's resume state is never listed
    result = CliRunner().invoke(main, ["publish", str(dist), "--repo-id", "org/comco", "--private"])
    assert result.exit_code == 0, result.output
    (init, create, upload) = _FakeApi.calls
    assert init == ("init", {"token": "hf_test"})
    assert create == (
        "create_repo",
        {"repo_id": "org/comco", "repo_type": "dataset", "private": True, "exist_ok": True},
    )
    assert upload[1]["repo_type"] == "dataset" and upload[1]["folder_path"] == dist
    assert upload[1]["allow_patterns"] == [*sorted(read_manifest(dist).files), MANIFEST_NAME]
