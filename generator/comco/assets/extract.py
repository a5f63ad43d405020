"""Take only the files a build needs out of the fetched packages: the packages hold gigabytes
(0 A.D.'s data is one 3.2 GB zip inside a 1.4 GB .deb), the library needs a few megabytes."""

from __future__ import annotations

import posixpath
import shutil
import zipfile
from pathlib import Path

from comco.assets.debpkg import extract_members
from comco.assets.sources import AssetSource


def archive_dir(src_root: Path, source: AssetSource) -> Path:
    """Where the members of `source.archive` are unpacked."""
    return src_root / source.package / (source.archive + ".d")


def model_path(src_root: Path, source: AssetSource) -> Path:
    """The extracted mesh file of `source`."""
    base = archive_dir(src_root, source) if source.archive else src_root / source.package
    return base / source.model


def texture_paths(src_root: Path, source: AssetSource) -> list[Path]:
    """The extracted texture files of `source`, in catalog order."""
    base = archive_dir(src_root, source) if source.archive else src_root / source.package
    return [base / t for t in source.textures]


def _zip_members(names: list[str], source: AssetSource) -> list[str]:
    """OBJ models need their whole folder (MTL, textures); others list their files."""
    if source.format == "obj":
        folder = posixpath.dirname(source.model) + "/"
        files = [n for n in names if n.startswith(folder) and not n.endswith("/")]
        # the model last: its presence marks the folder as complete
        return sorted(files, key=lambda n: n == source.model)
    return [source.model, *source.textures]


def extract_sources(deb: Path, sources: list[AssetSource], src_root: Path) -> None:
    """Unpack what `sources` (all from the package in `deb`) need under `src_root/<package>`.
    Files already there are kept, so an interrupted build resumes."""
    package_root = src_root / sources[0].package
    direct = {m for s in sources if not s.archive for m in (s.model, *s.textures)}
    archives = {s.archive for s in sources if s.archive}
    missing = {m for m in direct if not (package_root / m).is_file()}
    pending = [s for s in sources if s.archive and not _archive_done(src_root, s)]
    missing |= {s.archive for s in pending if not (package_root / s.archive).is_file()}
    if missing:
        extract_members(deb, sorted(missing), package_root)
    for archive in sorted(archives):
        users = [s for s in pending if s.archive == archive]
        if not users:
            continue
        with zipfile.ZipFile(package_root / archive) as z:
            names = z.namelist()
            for source in users:
                wanted = _zip_members(names, source)
                absent = sorted(set(wanted) - set(names))
                if absent:
                    raise FileNotFoundError(f"{archive}: members not in archive: {absent}")
                for name in wanted:
                    z.extract(name, archive_dir(src_root, source))
    # the archives themselves are no longer needed (0 A.D.'s is 3.2 GB)
    for archive in archives:
        (package_root / archive).unlink(missing_ok=True)


def _archive_done(src_root: Path, source: AssetSource) -> bool:
    return model_path(src_root, source).is_file() and all(
        p.is_file() for p in texture_paths(src_root, source)
    )


def remove_sources(src_root: Path) -> None:
    """Drop every extracted file (after a build, to give the disk back)."""
    shutil.rmtree(src_root, ignore_errors=True)
