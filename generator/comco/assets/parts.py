"""Cut the parts a category needs out of a larger model (a banana out of a fruit bowl, a tie
out of a suited man, one carrot out of a bunch)."""

from __future__ import annotations

import re

import numpy as np
import trimesh


def keep_obj_parts(text: str, patterns: list[str]) -> str:
    """Drop every face of an OBJ whose object/group name matches none of `patterns`.

    A face's part name is `<o name>/<g name>`; vertex lines are kept (unused ones are
    dropped on load). Fails if nothing matched, so a renamed part cannot yield an empty asset.
    """
    regexes = [re.compile(p) for p in patterns]
    obj_name, group_name = "", ""
    out: list[str] = []
    kept = 0
    for line in text.splitlines():
        if line.startswith("o "):
            obj_name, group_name = line[2:].strip(), ""
        elif line.startswith("g "):
            group_name = line[2:].strip()
        elif line.startswith("f "):
            part = f"{obj_name}/{group_name}"
            if not any(r.search(part) for r in regexes):
                continue
            kept += 1
        out.append(line)
    if kept == 0:
        raise ValueError(f"keep={patterns}: no OBJ face belongs to a matching o/g part")
    return "\n".join(out) + "\n"


def keep_cluster(meshes: list[trimesh.Trimesh], reach: float = 0.75) -> list[trimesh.Trimesh]:
    """Keep the connected pieces whose centre lies within `reach` x the largest piece's size
    of that piece's centre: one object of a bunch, with its small attached bits (leaves)."""
    pieces = [p for m in meshes for p in m.split(only_watertight=False)]
    if not pieces:
        raise ValueError("cluster: the model has no faces")
    anchor = max(pieces, key=lambda p: float(np.max(p.extents)))
    centre = anchor.bounds.mean(axis=0)
    radius = reach * float(np.max(anchor.extents))
    return [p for p in pieces if np.linalg.norm(p.bounds.mean(axis=0) - centre) <= radius]
