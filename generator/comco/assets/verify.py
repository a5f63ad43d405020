"""`comco assets verify`: import every library asset in Blender as the renderer will, check
it and render a contact sheet a person can look at."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from comco.assets.library import LibraryManifest
from comco.assets.render_checks import background_colour, check_render, measure_render
from comco.sheets.contact_sheet import contact_sheet

TOLERANCE_M = 1e-3


@dataclass
class VerifyReport:
    """Problems found (empty when the library is fine) and the contact sheet written."""

    problems: list[str]
    sheet: Path


def check_asset(
    category: str,
    faces: int,
    bounds_min: tuple[float, float, float],
    bounds_max: tuple[float, float, float],
    missing_images: list[str],
    face_budget: int,
) -> list[str]:
    """What is wrong with one imported asset, judged against the library contract."""
    problems = []
    if faces == 0:
        problems.append(f"{category}: no faces")
    if faces > face_budget:
        problems.append(f"{category}: {faces} faces, over face_budget={face_budget}")
    if missing_images:
        problems.append(f"{category}: textures that did not load: {missing_images}")
    size = [hi - lo for lo, hi in zip(bounds_min, bounds_max, strict=True)]
    if abs(max(size) - 1.0) > TOLERANCE_M:
        problems.append(f"{category}: largest dimension {max(size):.4f} m, expected 1.0")
    if sorted(size)[1] < 1e-3:
        problems.append(f"{category}: degenerate bounds {size} (flat in two axes)")
    if abs(bounds_min[2]) > TOLERANCE_M:
        problems.append(f"{category}: min z {bounds_min[2]:.4f}, expected 0")
    centre = [(lo + hi) / 2 for lo, hi in zip(bounds_min[:2], bounds_max[:2], strict=True)]
    if max(abs(c) for c in centre) > TOLERANCE_M:
        problems.append(f"{category}: not centred on the z axis (x, y centre {centre})")
    return problems


def verify_library(
    library_dir: Path, manifest: LibraryManifest, face_budget: int, out_dir: Path
) -> VerifyReport:
    """Import, check and thumbnail every asset; write `out_dir/contact_sheet.png`."""
    files = {c: library_dir / r.file for c, r in manifest.assets.items()}
    problems = [f"{c}: file {p} missing" for c, p in files.items() if not p.is_file()]
    thumbs = out_dir / "thumbnails"
    thumbs.mkdir(parents=True, exist_ok=True)
    results, background_png = preview_in_blender(
        {c: p for c, p in files.items() if p.is_file()}, thumbs
    )
    background = background_colour(background_png)
    for r in results:
        problems += check_asset(
            r["category"],
            r["faces"],
            tuple(r["bounds_min"]),
            tuple(r["bounds_max"]),
            r["missing_images"],
            face_budget,
        )
        problems += check_render(r["category"], measure_render(Path(r["thumbnail"]), background))
    labels = {r["category"]: sheet_label(r["category"], manifest) for r in results}
    sheet = contact_sheet(
        [(labels[r["category"]], Path(r["thumbnail"])) for r in results],
        out_dir / "contact_sheet.png",
        background=tuple(round(float(c) * 255) for c in background),
    )
    return VerifyReport(problems, sheet)


def sheet_label(category: str, manifest: LibraryManifest) -> str:
    """The contact-sheet caption: the category, marked when the asset is modelled in code."""
    return f"{category} [code]" if manifest.assets[category].modelled_in_code else category


def preview_in_blender(assets: dict[str, Path], out_dir: Path) -> tuple[list[dict], Path]:
    """Run `comco.render.assets_preview` in a Blender process: one result per asset, and the
    render of the empty scene."""
    with tempfile.TemporaryDirectory(prefix="comco-preview-") as scratch:
        request, result = Path(scratch) / "request.json", Path(scratch) / "result.json"
        request.write_text(
            json.dumps({"assets": {c: str(p) for c, p in assets.items()}, "out_dir": str(out_dir)})
        )
        command = [sys.executable, "-m", "comco.render.assets_preview", str(request), str(result)]
        completed = subprocess.run(command, capture_output=True, text=True)
        if completed.returncode != 0 or not result.is_file():
            raise RuntimeError(
                f"assets verify: the Blender preview process failed (exit "
                f"{completed.returncode}): {completed.stderr[-1500:]}"
            )
        answer = json.loads(result.read_text())
        return answer["results"], Path(answer["background"])
