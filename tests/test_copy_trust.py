"""Copies of a dataset are read only as their manifest vouches for them: an edited shard or a
manifest that points outside its export is refused by eval, verify and publish with one line,
and a hub that accepts connections but never answers fails within the request timeout."""

from __future__ import annotations

import json
import shutil
import socket
import tarfile
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from huggingface_hub import constants

from comco.cli import main
from comco.dataset.copies import open_copy
from comco.dataset.folder import DatasetError
from comco.dataset.manifest import MANIFEST_NAME, read_manifest
from comco.eval.encoders.base import ensure_offline, not_available, parse_model_spec
from comco.export.exporter import export_dataset
from comco.io.hashing import sha256_file
from support.scenes import eval_dataset


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("trust")
    out = root / "export"
    export_dataset(eval_dataset(root / "renders", n_images=2), out, ("webdataset",))
    return out


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}  # fmt: skip


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def eval_args(dataset: Path, tmp_path: Path) -> list[str]:
    return ["eval", "--dataset", str(dataset), "--model", "hf:/nowhere", "--out",
            str(tmp_path / "results"), "--cache-dir", str(tmp_path / "cache")]  # fmt: skip


def test_eval_refuses_an_export_whose_shard_was_edited(exported: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(exported, copy)
    shard = next(name for name in read_manifest(copy).files if name.endswith(".tar"))
    with tarfile.open(copy / shard) as tar:  # a PNG byte changed: the tar still reads
        member = next(m for m in tar if m.name.endswith(".png"))
    data = bytearray((copy / shard).read_bytes())
    data[member.offset_data + member.size // 2] ^= 0xFF
    (copy / shard).write_bytes(bytes(data))
    before = snapshot(copy)

    with pytest.raises(DatasetError, match="sha256 differs"):
        open_copy(copy, tmp_path / "copies")
    code, output = invoke(*eval_args(copy, tmp_path))
    assert code == 1 and len(output.strip().splitlines()) == 1, output
    assert output.startswith(f"Error: dataset: {copy} does not match its {MANIFEST_NAME} (1 ")
    assert f"first: {shard}: sha256 differs from the manifest" in output
    assert snapshot(copy) == before
    assert not (tmp_path / "results").exists() and not (tmp_path / "copies").exists()


@pytest.mark.parametrize("outside", ["../../etc/hostname", ".cache/huggingface/x", "/etc/hostname"])
def test_a_manifest_may_only_name_files_inside_its_export(
    exported: Path, tmp_path: Path, outside: str
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(exported, copy)
    manifest = json.loads((copy / MANIFEST_NAME).read_text())
    target = Path("/etc/hostname")  # what the entry resolves to; its checksum is right
    manifest["files"][outside] = {"sha256": sha256_file(target), "bytes": target.stat().st_size}
    config = next(iter(manifest["configs"].values()))
    config["shards"]["webdataset"]["files"].append(outside)
    (copy / MANIFEST_NAME).write_text(json.dumps(manifest))
    before = snapshot(copy)

    expected = f"{outside!r} is not a file inside the export"
    for args in (["verify", str(copy)],
                 ["publish", str(copy), "--repo-id", "org/name", "--dry-run"],
                 eval_args(copy, tmp_path)):  # fmt: skip
        code, output = invoke(*args)
        assert code == 1 and len(output.strip().splitlines()) == 1, (args, output)
        assert "not a valid export manifest" in output and expected in output, output
    assert snapshot(copy) == before
    assert not (tmp_path / "results").exists()


class SilentServer:
    """Accepts connections on 127.0.0.1 and never answers."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                self.accepted.append(self.socket.accept()[0])
            except OSError:  # closed
                return

    def close(self) -> None:
        self.socket.close()
        for connection in self.accepted:
            connection.close()


def open_in_thread(reference: str, cache: Path, wait_s: float) -> BaseException | None:
    """open_copy's error, or the test fails if it has not returned within `wait_s`."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            open_copy(reference, cache)
            outcome.append(None)
        except BaseException as error:  # handed to the test
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(wait_s)
    assert outcome, f"open_copy({reference!r}) still waiting after {wait_s} s"
    return outcome[0]


def test_a_hub_that_never_answers_fails_within_the_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = SilentServer()
    monkeypatch.setattr(constants, "ENDPOINT", server.url)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub-cache"))
    monkeypatch.setattr(constants, "HF_HUB_DOWNLOAD_TIMEOUT", 1)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    try:
        error = open_in_thread("hf:org/never", tmp_path / "copies", wait_s=60)
        assert isinstance(error, DatasetError) and "\n" not in str(error)
        assert str(error).startswith(
            f"dataset: hf:org/never could not be fetched from {server.url} (each request may "
            "wait 1 s, HF_HUB_DOWNLOAD_TIMEOUT; "
        )
        assert "timed out" in str(error) and server.accepted

        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)  # the message must be true
        reached = len(server.accepted)
        error = open_in_thread("hf:org/never", tmp_path / "copies", wait_s=60)
        assert isinstance(error, DatasetError)
        assert "not in the local Hugging Face cache and downloads are off here" in str(error)
        assert len(server.accepted) == reached  # offline really sent nothing
    finally:
        server.close()
    assert not (tmp_path / "copies").exists()


@pytest.mark.models
def test_eval_unpacks_shard_images_under_its_cache_dir(
    exported: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COMCO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "default-cache"))
    code, output = invoke(*eval_args(exported, tmp_path))
    assert code == 1 and "/nowhere is not a directory" in output  # after the images were read
    assert len(list((tmp_path / "cache" / "copies" / "images").glob("*.png"))) >= 2
    assert not (tmp_path / "default-cache").exists()


@pytest.mark.parametrize(("setting", "off"), [(None, True), ("1", True), ("0", False)])
def test_a_model_message_says_downloads_are_off_only_when_they_are(
    monkeypatch: pytest.MonkeyPatch, setting: str | None, off: bool
) -> None:
    """huggingface_hub is imported already (as after an hf: dataset), so only the switch it
    reads counts; the offline rule (default on) is applied to it."""
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    if setting is not None:
        monkeypatch.setenv("HF_HUB_OFFLINE", setting)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", not off)  # what it read at import
    ensure_offline()
    assert constants.HF_HUB_OFFLINE is off
    message = str(not_available(parse_model_spec("hf:org/model"), "Fetch it."))
    assert ("downloads are off" in message) is off
    assert message.startswith("model hf:org/model: not available locally")
