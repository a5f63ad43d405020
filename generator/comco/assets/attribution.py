"""ATTRIBUTION.md for a built library: CC-BY needs credit, CC-BY-SA and GPL need the licence
named next to the files; every built library carries this file."""

from __future__ import annotations

from pathlib import Path

from comco.assets.library import AssetRecord
from comco.io.atomic import write_atomic

HEADER = """# Asset attribution

These meshes were converted and normalised (re-oriented, centred, scaled, parts cut out,
normals repaired) by `comco assets build` from the sources below. They are not covered by
the ComCO builder's code licence; each keeps its own licence. CC-BY-SA and GPL assets (and,
arguably, images rendered from them) must be shared under the same terms.

| category | licence | author | source | version | member |
|---|---|---|---|---|---|
"""


def write_attribution(library_dir: Path, assets: dict[str, AssetRecord]) -> Path:
    """Write `library_dir/ATTRIBUTION.md` listing every asset's licence and author."""
    rows = [
        f"| {r.category} | {r.licence} | {r.author} | {r.source} | {r.source_version} "
        f"| `{r.member}` |"
        for r in sorted(assets.values(), key=lambda r: r.category)
    ]
    path = library_dir / "ATTRIBUTION.md"
    write_atomic(path, HEADER + "\n".join(rows) + "\n")
    return path
