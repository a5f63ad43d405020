"""Which basic colour term people give a colour: a reference for rendered colours that knows
nothing of the renderer or the palette.

The model is the nearest (CIELAB, D65) named colour of the xkcd colour survey (R. Munroe,
2010: visitors of a web survey named random sRGB colours shown on their own screens; each
name's centroid is the mean sRGB of the colours it was given, published under CC0 in the
survey's rgb.txt and shipped by matplotlib as `XKCD_COLORS`). Only names whose last word is
one of Berlin and Kay's eleven basic colour terms are kept (`data/colour_names.tsv`: "light
blue", "dark mustard yellow", "olive green"; grey spelled gray, violet counted as purple), so
the answer is always a basic term; the survey's crude names are left out. Colours named on
screens are what rendered pixels are, so these centroids fit renders better than
surface-colour sets; with 548 centroids instead of eleven, a light blue is blue and a dark red
is red rather than the term whose single centroid happens to lie nearer.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np

from comco.core.colour import srgb_to_lab

BASIC_TERMS = (
    "black",
    "white",
    "red",
    "green",
    "yellow",
    "blue",
    "brown",
    "purple",
    "pink",
    "orange",
    "gray",
)
NEUTRAL_TERMS = ("black", "white", "gray")
# CIELAB chroma below which a colour counts as neutral (about two just-noticeable differences).
NEUTRAL_CHROMA = 5.0
NAMES_FILE = "data/colour_names.tsv"
_SPELLING = {"grey": "gray", "violet": "purple"}


def basic_term(name: str) -> str:
    """The basic term of a survey name: its last word (grey -> gray, violet -> purple)."""
    last = name.split()[-1]
    term = _SPELLING.get(last, last)
    if term not in BASIC_TERMS:
        raise ValueError(f"colour name {name!r}: last word {last!r} is not a basic colour term")
    return term


@cache
def named_colours() -> tuple[list[str], np.ndarray]:
    """The survey names and their centroids in CIELAB, in file order."""
    names, srgb = [], []
    for line in resources.files("comco").joinpath(NAMES_FILE).read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, code = line.split("\t")
            names.append(name)
            srgb.append([int(code[i : i + 2], 16) / 255.0 for i in (1, 3, 5)])
    return names, srgb_to_lab(np.asarray(srgb))


def colour_name(lab: np.ndarray) -> str:
    """The survey name nearest to a CIELAB colour. A colour of chroma under NEUTRAL_CHROMA
    is named among the neutral names only: the survey's near-whites are tinted ("very light
    pink" lies nearer to a light grey than "white" does), and a grey is no hue."""
    names, labs = named_colours()
    lab = np.asarray(lab, dtype=np.float64)
    distances = np.linalg.norm(labs - lab, axis=-1)
    if np.hypot(lab[1], lab[2]) < NEUTRAL_CHROMA:
        neutral = np.array([basic_term(n) in NEUTRAL_TERMS for n in names])
        distances = np.where(neutral, distances, np.inf)
    return names[int(np.argmin(distances))]


def colour_term(lab: np.ndarray) -> str:
    """The basic colour term a CIELAB colour is named with."""
    return basic_term(colour_name(lab))
