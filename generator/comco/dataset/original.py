"""The original ComCO/SimCO release layout: configuration folders of images named by their
objects, e.g. `CoCo-FourObject-Middle-Big/banana_horse_sheep_dog.png`, beside a one-object
folder (`CoCo-OneObject/banana.png`, ...) that serves as the IOR gallery.

The release has no annotations: only the objects, in file-name order. Names map to category ids
through the vocabulary, compared without case, spaces, `-` or `_` (so `tennis racket`,
`tennis_racket` and `TennisRacket` are one name); a name spread over several `_`-separated
parts is matched longest first. A name the vocabulary lacks is an error, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from comco.core.catalog import Vocabulary, load_vocabulary
from comco.dataset.folder import DatasetError

# CoCo-FourObject-Middle-Big, SimCo-TwoObject, CoCo-OneObject ...
CONFIG_FOLDER = re.compile(
    r"^(?P<family>CoCo|SimCo)-(?P<count>One|Two|Three|Four|Five)Object(?P<rest>(-[A-Za-z]+)*)$"
)
COUNTS = {"One": 1, "Two": 2, "Three": 3, "Four": 4, "Five": 5}
PRESETS = {"CoCo": "comco72", "SimCo": "simco18"}
MAX_NAME_PARTS = 3


@dataclass(frozen=True)
class NamedImage:
    """One image of the release: its file, configuration folder and objects in name order."""

    path: Path
    config: str
    vocab: str
    categories: tuple[str, ...]


@dataclass(frozen=True)
class OriginalRelease:
    """The multi-object images and the one-object gallery of a release folder."""

    root: Path
    images: tuple[NamedImage, ...]
    gallery: tuple[tuple[str, Path], ...]


def is_original_release(root: Path) -> bool:
    """True when `root` holds at least one configuration folder of the release."""
    return root.is_dir() and any(p.is_dir() and CONFIG_FOLDER.match(p.name) for p in root.iterdir())


def _normal(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name.lower())


def name_index(vocabulary: Vocabulary, preset: str) -> dict[str, str]:
    """Normalised id, name and plural -> category id, for the preset's categories."""
    index = {}
    for category in vocabulary.preset(preset):
        for name in (category.id, category.name, category.plural):
            index[_normal(name)] = category.id
    return index


def parse_names(stem: str, index: dict[str, str], where: Path) -> tuple[str, ...]:
    """Category ids of a file name's `_`-separated objects; unknown names fail naming the file."""
    parts, found, i = stem.split("_"), [], 0
    while i < len(parts):
        for span in range(min(MAX_NAME_PARTS, len(parts) - i), 0, -1):
            key = _normal("".join(parts[i : i + span]))
            if key in index:
                found.append(index[key])
                i += span
                break
        else:
            raise DatasetError(
                f"{where}: object name {parts[i]!r} is not in the vocabulary; expected file "
                "names of known object names joined with '_' (e.g. banana_horse_sheep.png)"
            )
    return tuple(found)


def read_original_release(root: Path) -> OriginalRelease:
    """Every image of every configuration folder, and the one-object folders as the gallery."""
    vocabulary = load_vocabulary()
    images, gallery = [], {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        match = CONFIG_FOLDER.match(folder.name)
        if not match:
            continue
        preset = PRESETS[match["family"]]
        expected = COUNTS[match["count"]]
        index = name_index(vocabulary, preset)
        for png in sorted(folder.glob("*.png")):
            categories = parse_names(png.stem, index, png)
            if len(categories) != expected:
                raise DatasetError(
                    f"{png}: names {len(categories)} objects {list(categories)}, but its folder "
                    f"{folder.name!r} holds {expected}-object images"
                )
            if expected == 1:
                gallery.setdefault(categories[0], png)
            else:
                images.append(NamedImage(png, folder.name, preset, categories))
    if not images:
        raise DatasetError(
            f"dataset: {root} has no multi-object images in release folders like "
            "CoCo-FourObject-Middle-Big/"
        )
    return OriginalRelease(root, tuple(images), tuple(sorted(gallery.items())))
