"""`comco assets build`: turn the fetched packages into the normalised library.

Each asset is written as `<category>.glb` plus a record under `.build/`; a category whose
record matches its current catalog entry is not rebuilt, so an interrupted build resumes.
`manifest.json` is removed when a build starts and written last, so a half-built library
is never taken for a complete one."""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import trimesh

from comco import __version__
from comco.assets import (
    coco_models,
    convert_ac3d,
    convert_obj,
    convert_pmd,
    convert_spm,
    procedural,
)
from comco.assets.attribution import write_attribution
from comco.assets.convert_ac3d import load_ac3d
from comco.assets.convert_obj import load_obj
from comco.assets.convert_pmd import load_pmd
from comco.assets.convert_spm import load_spm
from comco.assets.extract import extract_sources, model_path, texture_paths
from comco.assets.fetch import read_record
from comco.assets.glb import write_glb
from comco.assets.library import MANIFEST_NAME, AssetRecord, LibraryManifest
from comco.assets.materials import clip_below, drop_materials, recolour
from comco.assets.normalise import bounds, normalise
from comco.assets.parts import keep_cluster
from comco.assets.sources import AssetCatalog, AssetSource
from comco.io.atomic import write_atomic

Loader = Callable[[AssetSource, Path], list[trimesh.Trimesh]]

LOADERS: dict[str, Loader] = {
    "obj": lambda s, root: load_obj(model_path(root, s), s.keep),
    "pmd": lambda s, root: load_pmd(model_path(root, s), texture_paths(root, s)[0]),
    "spm": lambda s, root: load_spm(model_path(root, s), texture_paths(root, s)),
    "ac3d": lambda s, root: load_ac3d(model_path(root, s), texture_paths(root, s), s.keep),
    "procedural": lambda s, root: coco_models.build(s.model),
}


LATER_OPTIONS = ("recolour", "drop_materials", "clip_below_z")


class BuildError(RuntimeError):
    """An asset failed a build check."""


# the code that turns each format into meshes: an asset is rebuilt when it changes
CONVERTERS = {
    "obj": [convert_obj],
    "pmd": [convert_pmd],
    "spm": [convert_spm],
    "ac3d": [convert_ac3d],
    "procedural": [procedural, coco_models],
}


def _entry_hash(source: AssetSource, version: str, budget: int) -> str:
    """Identity of what an asset is built from, including its converter's code."""
    code = "".join(inspect.getsource(m) for m in CONVERTERS[source.format])
    # options added after the first library count only when set, so adding one does not
    # invalidate every asset already built
    unset = {
        k
        for k in LATER_OPTIONS
        if getattr(source, k) == AssetSource.model_fields[k].get_default(call_default_factory=True)
    }
    entry = source.model_dump(mode="json", exclude=unset | {"why"})
    parts = [entry, version, budget, __version__, code]
    text = json.dumps(parts, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _repair_normals(meshes: list[trimesh.Trimesh]) -> list[trimesh.Trimesh]:
    """Consistent, outward winding; drops stored normals so viewers recompute them. Merges
    vertices across UV seams, so only for plain-coloured models."""
    for mesh in meshes:
        mesh.merge_vertices(merge_tex=True, merge_norm=True)
        mesh.fix_normals()
    return meshes


def build_asset(
    category: str, source: AssetSource, src_root: Path, out: Path, face_budget: int
) -> tuple[int, tuple[float, float, float], str]:
    """Load, repair, normalise and write one asset; return (faces, dimensions, sha256)."""
    meshes = LOADERS[source.format](source, src_root)
    if source.cluster:
        meshes = keep_cluster(meshes)
    if source.drop_materials:
        meshes = drop_materials(meshes, source.drop_materials)
    if source.clip_below_z is not None:
        meshes = clip_below(meshes, source.clip_below_z)
    if source.fix_normals:
        meshes = _repair_normals(meshes)
    if source.recolour:
        meshes = recolour(meshes, source.recolour)
    meshes = [m for m in meshes if len(m.faces)]
    faces = sum(len(m.faces) for m in meshes)
    if faces == 0:
        raise BuildError(f"{category}: no faces after loading {source.model}")
    if faces > face_budget:
        raise BuildError(
            f"{category}: {faces} faces, over face_budget={face_budget}; pick a lighter model"
        )
    meshes = normalise(meshes, source.rotate_deg, source.yaw_deg)
    lo, hi = bounds(meshes)
    dims = tuple(round(float(d), 6) for d in hi - lo)
    if not np.isclose(max(dims), 1.0, atol=1e-6):
        raise BuildError(
            f"{category}: largest dimension {max(dims)} after normalising, expected 1.0"
        )
    return faces, dims, write_glb(meshes, out)


def build_library(
    catalog: AssetCatalog,
    categories: list[str],
    cache_dir: Path,
    library_dir: Path,
    log: Callable[[str], None] = print,
) -> LibraryManifest:
    """Build `categories` into `library_dir` from the packages fetched into `cache_dir`."""
    unknown = sorted(set(categories) - set(catalog.categories))
    if unknown:
        raise BuildError(f"build: categories not in assets/catalog.yaml: {unknown}")
    library_dir.mkdir(parents=True, exist_ok=True)
    (library_dir / MANIFEST_NAME).unlink(missing_ok=True)
    records_dir = library_dir / ".build"
    records_dir.mkdir(exist_ok=True)
    fetched = read_record(cache_dir / "debs")
    sources = {c: catalog.categories[c] for c in categories}
    needed = sorted({s.package for s in sources.values() if s.package})
    absent = [p for p in needed if p not in fetched]
    if absent:
        raise BuildError(f"build: packages not fetched: {absent}; run `comco assets fetch`")
    versions = {p: fetched[p].version for p in needed}
    src_root = cache_dir / "src"

    def record_path(category: str) -> Path:
        return records_dir / f"{category}.json"

    def is_current(category: str, source: AssetSource) -> bool:
        path = record_path(category)
        if not path.is_file() or not (library_dir / f"{category}.glb").is_file():
            return False
        saved = json.loads(path.read_text())
        return saved["entry_hash"] == _entry_hash(
            source, versions.get(source.package, ""), catalog.face_budget
        )

    todo = {c: s for c, s in sources.items() if not is_current(c, s)}
    for package in sorted({s.package for s in todo.values() if s.package}):
        users = [s for s in todo.values() if s.package == package]
        log(f"extracting {len(users)} model(s) from {package}")
        extract_sources(cache_dir / "debs" / fetched[package].file, users, src_root)

    assets: dict[str, AssetRecord] = {}
    for category, source in sources.items():
        version = versions.get(source.package, __version__)
        if category in todo:
            faces, dims, sha = build_asset(
                category, source, src_root, library_dir / f"{category}.glb", catalog.face_budget
            )
            record = AssetRecord(
                category=category,
                file=f"{category}.glb",
                source=f"debian:{source.package}" if source.package else "procedural",
                source_version=version,
                member=_member(source),
                licence=source.licence,
                author=source.author,
                modelled_in_code=source.format == "procedural",
                sha256=sha,
                faces=faces,
                dimensions_m=dims,
            )
            entry = _entry_hash(source, versions.get(source.package, ""), catalog.face_budget)
            payload = {"entry_hash": entry, "record": record.model_dump(mode="json")}
            write_atomic(record_path(category), json.dumps(payload, indent=1))
            log(f"built {category}: {faces} faces")
        else:
            saved = json.loads(record_path(category).read_text())
            record = AssetRecord.model_validate(saved["record"])
        assets[category] = record

    # a partial build (`--only`) keeps every other category already built, so that the
    # manifest still describes the whole library
    for category, source in catalog.categories.items():
        if category in assets or not record_path(category).is_file():
            continue
        if not (library_dir / f"{category}.glb").is_file():
            continue
        saved = json.loads(record_path(category).read_text())
        version = fetched[source.package].version if source.package in fetched else ""
        if saved["entry_hash"] != _entry_hash(source, version, catalog.face_budget):
            log(f"kept {category} from an older catalog entry; rebuild it to pick up changes")
        assets[category] = AssetRecord.model_validate(saved["record"])
    missing = sorted(set(catalog.categories) - set(assets))
    if missing:
        log(f"not built yet: {', '.join(missing)}")

    write_attribution(library_dir, assets)
    manifest = LibraryManifest(
        comco_version=__version__,
        library_sha256=hashlib.sha256(
            "".join(assets[c].sha256 for c in sorted(assets)).encode()
        ).hexdigest(),
        assets=dict(sorted(assets.items())),
    )
    write_atomic(library_dir / MANIFEST_NAME, manifest.model_dump_json(indent=1))
    return manifest


def _member(source: AssetSource) -> str:
    if source.format == "procedural":
        return f"comco.assets.procedural:{source.model}"
    return f"{source.archive}!{source.model}" if source.archive else source.model
