"""Write the site: the page (static/), the dataset's images (hard links where the file
system allows, else copies), the index and detail chunks, and the eval report.

The folder is built under a temporary name and swapped into place, so a failed build never
leaves a half site; an existing folder is replaced only with `overwrite`, and only when it
is an earlier site.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from comco.browse.catalog import CHUNK, Index, detail, iter_entries, script
from comco.browse.evaluation import eval_payload, read_retrievals
from comco.dataset.folder import DatasetError, DatasetFolder
from comco.io.atomic import build_folder, recover_folder

MARKER = "comco-site.txt"
STATIC_FILES = ("index.html", "app.js", "style.css")


class SiteError(ValueError):
    """The site cannot be written as asked."""


def _check_target(out: Path, overwrite: bool) -> None:
    recover_folder(out)
    if not out.exists():
        return
    if not overwrite:
        raise SiteError(f"out: {out} already exists; pass --overwrite to replace it")
    if not (out / MARKER).is_file() and any(out.iterdir()):
        raise SiteError(
            f"out: {out} is not empty and has no {MARKER}, so it is not an earlier site; "
            "refusing to replace it even with --overwrite"
        )


def _place(source: Path, target: Path) -> None:
    """A hard link (no extra space) or, across file systems, a copy."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def write_site(
    dataset: Path,
    out: Path,
    results: Path | None = None,
    *,
    overwrite: bool = False,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Build the site of `dataset` (and of `results`, a `comco eval` folder) at `out`;
    returns the number of images (kept and rejected) it shows."""
    folder = DatasetFolder(dataset)
    folder.require_info()
    _check_target(out, overwrite)
    retrievals = read_retrievals(results) if results is not None else {}
    with build_folder(out) as root:
        static = resources.files("comco.browse").joinpath("static")
        for name in STATIC_FILES:
            (root / name).write_bytes(static.joinpath(name).read_bytes())
        index = Index()
        chunk: list[dict] = []
        for entry in iter_entries(folder):
            image = None
            if entry.png is not None:
                image = f"images/{entry.png.parent.name}/{entry.png.name}"
                _place(entry.png, root / image)
            index.add(entry, image)
            chunk.append(detail(entry, retrievals.get(entry.id)))
            if len(chunk) == CHUNK:
                _write_chunk(root, len(index.columns["id"]) // CHUNK - 1, chunk)
                chunk = []
            if progress:
                progress(1)
        total = len(index.columns["id"])
        if not total:
            raise DatasetError(f"dataset: {dataset} holds no image and no rejected scene")
        if chunk:
            _write_chunk(root, (total - 1) // CHUNK, chunk)
        (root / "data").mkdir(exist_ok=True)
        (root / "data" / "index.js").write_text(script("index", index.payload(dataset.name)))
        report = eval_payload(results, root) if results is not None else None
        (root / "data" / "eval.js").write_text(script("evaluation", report))
        (root / MARKER).write_text("written by `comco browse`; safe to replace with --overwrite\n")
    return total


def _write_chunk(root: Path, number: int, records: list[dict]) -> None:
    path = root / "data" / "detail" / f"{number}.js"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(script("detail", number, records))
