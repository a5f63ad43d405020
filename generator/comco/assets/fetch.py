"""`comco assets fetch`: get the Debian packages the catalog draws from into a user cache,
with the system's own `apt-get download`, recording each file's version and sha256 so that
`build` can say exactly what it was made from. Re-running skips packages already fetched."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from pydantic import BaseModel

from comco.assets.debpkg import control_field
from comco.io.atomic import write_atomic
from comco.io.hashing import sha256_file

RECORD_NAME = "fetched.json"


class FetchedPackage(BaseModel):
    """One downloaded package file."""

    package: str
    version: str
    file: str
    sha256: str


class FetchError(RuntimeError):
    """A package could not be fetched."""


def read_record(debs: Path) -> dict[str, FetchedPackage]:
    """What `fetch` has recorded in `debs`, by package name."""
    path = debs / RECORD_NAME
    if not path.is_file():
        return {}
    return {k: FetchedPackage.model_validate(v) for k, v in json.loads(path.read_text()).items()}


def _write_record(debs: Path, record: dict[str, FetchedPackage]) -> None:
    write_atomic(
        debs / RECORD_NAME,
        json.dumps({k: v.model_dump() for k, v in sorted(record.items())}, indent=1),
    )


def _find_deb(folder: Path, package: str) -> Path | None:
    matches = sorted(folder.glob(f"{package}_*.deb"))
    if len(matches) > 1:
        raise FetchError(f"{folder}: several files for {package}: {[m.name for m in matches]}")
    return matches[0] if matches else None


def _apt_download(package: str, debs: Path) -> None:
    if shutil.which("apt-get") is None:
        raise FetchError(
            f"fetch: this system has no apt-get to download {package!r}; download the .deb "
            "files of Debian bookworm on a machine that has apt-get (`apt-get download "
            f"{package}`) and run "
            "`comco assets fetch --from DIR`"
        )
    result = subprocess.run(
        ["apt-get", "download", package], cwd=debs, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise FetchError(
            f"fetch: `apt-get download {package}` failed ({result.returncode}): "
            f"{result.stderr.strip()[-500:]} (run `apt-get update` first?)"
        )


def fetch(
    packages: list[str], cache_dir: Path, from_dir: Path | None = None
) -> list[FetchedPackage]:
    """Make sure every package's .deb is in `cache_dir/debs` and recorded; return the records."""
    debs = cache_dir / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    record = read_record(debs)
    for package in packages:
        have = _find_deb(debs, package)
        if have is not None and package in record and record[package].file == have.name:
            continue
        if have is None:
            if from_dir is not None:
                source = _find_deb(from_dir, package)
                if source is None:
                    raise FetchError(f"fetch --from {from_dir}: no {package}_*.deb there")
                shutil.copyfile(source, debs / (source.name + ".part"))
                (debs / (source.name + ".part")).replace(debs / source.name)
            else:
                _apt_download(package, debs)
            have = _find_deb(debs, package)
            if have is None:
                raise FetchError(f"fetch: {package} was downloaded but no {package}_*.deb appeared")
        record[package] = FetchedPackage(
            package=package,
            version=control_field(have, "Version"),
            file=have.name,
            sha256=sha256_file(have),
        )
        _write_record(debs, record)
    return [record[p] for p in packages]
