"""`comco export` under pressure: another export writing the same --out, a full disk, and
nothing local (paths of the machine that rendered the data) in what is published."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from comco.cli import main
from comco.dataset.manifest import read_manifest
from comco.export import parquet_shards
from comco.export.exporter import ExportError, export_dataset, lock_path
from comco.export.verify import verify_export
from comco.io.lock import exclusive_lock
from support.scenes import export_dataset_folder


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_dataset_folder(tmp_path_factory.mktemp("renders") / "small")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}  # fmt: skip


def export_cli(*args: str) -> tuple[int, str]:
    """Exit code and the error line (the progress bar shares stderr with it)."""
    result = CliRunner().invoke(main, ["export", *args])
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) <= 1 and "Traceback" not in result.output, result.output
    assert not errors or result.output.rstrip().endswith(errors[0])  # the last line
    return result.exit_code, errors[0] if errors else result.output


def test_an_export_into_an_out_being_written_is_refused(rendered: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    export_dataset(rendered, out, ("parquet",))
    before = snapshot(out)
    stale = tmp_path / ".dist.tmp-build-999999"  # left by an export killed mid-way
    (stale / "parquet").mkdir(parents=True)

    with exclusive_lock(lock_path(out), remove=True):  # another export is writing `out`
        code, output = export_cli("--dataset", str(rendered), "--out", str(out), "--overwrite")
        assert code == 1
        assert output.startswith(f"Error: out: {out} is being written by another `comco export`")
        assert snapshot(out) == before and stale.exists()

    code, output = export_cli("--dataset", str(rendered), "--out", str(out), "--overwrite",
                              "--format", "webdataset")  # fmt: skip
    assert code == 0, output
    assert verify_export(out) == [] and read_manifest(out).card_format == "webdataset"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]  # stale build and lock gone


def test_a_full_disk_is_one_line_and_keeps_the_earlier_export(
    rendered: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "dist"
    export_dataset(rendered, out, ("parquet",))
    before = snapshot(out)
    real_writer = pq.ParquetWriter

    def writer_on_a_full_disk(path, schema, **kwargs):  # /dev/full: every write is ENOSPC
        return real_writer("/dev/full", schema, **kwargs)

    monkeypatch.setattr(parquet_shards.pq, "ParquetWriter", writer_on_a_full_disk)
    code, output = export_cli("--dataset", str(rendered), "--out", str(out), "--overwrite")
    assert code == 1
    assert output.startswith(f"Error: out: no space left on the device of {tmp_path}")
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]
    with pytest.raises(ExportError, match="no space left"):
        export_dataset(rendered, tmp_path / "new", ("parquet",))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def test_nothing_exported_names_a_local_path(rendered: Path, tmp_path: Path) -> None:
    source = tmp_path / "deep" / "inside" / "renders"
    shutil.copytree(rendered, source)
    info = json.loads((source / "dataset.json").read_text())
    assert Path(info["library_path"]).is_absolute() and Path(info["specs_file"]).is_absolute()
    out = tmp_path / "dist"
    export_dataset(source, out, ("parquet", "webdataset", "coco", "clip_benchmark"))
    local = [str(tmp_path), str(Path(info["library_path"]).parent), str(Path.home())]
    local += [str(Path(info["specs_file"]).parent)]
    for name, data in snapshot(out).items():
        for path in local:
            assert path.encode() not in data, f"{name} names {path}"
    card = (out / "README.md").read_text()
    assert f'"specs_file": "{Path(info["specs_file"]).name}"' in card
    assert f'"library_path": "{Path(info["library_path"]).name}"' in card
    assert read_manifest(out).source["path"] == "renders"
