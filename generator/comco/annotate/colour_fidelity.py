"""Whether rendered palette colours read as their names, judged against references the
renderer does not set: each colour's albedo in CIELAB and a colour-naming model
(`comco.core.colour_names`).

Per palette colour, over the measured mean colours of the objects that carry it (a patterned
object's over its base-colour pixels only, `comco.annotate.pattern_gate.colour_masks`, so the
contrasting colour never counts as washing the colour out): the median
share of the albedo's chroma kept, the median hue error, the median lightness, and the basic
term of the median colour. A colour passes when it keeps at least MIN_CHROMA_KEPT of its
chroma with a hue error of at most MAX_HUE_ERROR_DEG (neutral albedos instead stay under
MAX_NEUTRAL_CHROMA) and its median colour is named with its word or one of its `terms`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from comco.core.attributes import load_attributes
from comco.core.colour_names import colour_name, colour_term

MIN_CHROMA_KEPT = 0.75
MAX_HUE_ERROR_DEG = 15.0
# An albedo under this CIELAB chroma is neutral (gray, white, black) and must render neutral.
NEUTRAL_ALBEDO_CHROMA = 10.0
MAX_NEUTRAL_CHROMA = 8.0


@dataclass(frozen=True)
class ColourFidelity:
    """How one palette colour rendered, over `objects` measured objects."""

    palette: str
    word: str
    objects: int
    albedo_lab: tuple[float, float, float]
    median_lab: tuple[float, float, float]
    chroma_kept: float  # median measured chroma / albedo chroma (nan for a neutral albedo)
    hue_error_deg: float  # median |hue difference| (nan for a neutral albedo)
    named: str  # the naming model's name for the median colour
    term: str  # its basic term
    named_share: float  # share of objects whose own colour gets an accepted term

    @property
    def neutral(self) -> bool:
        return bool(np.hypot(*self.albedo_lab[1:]) < NEUTRAL_ALBEDO_CHROMA)

    def problems(self) -> list[str]:
        """Why the colour does not read as its name (empty when it does)."""
        problems = []
        where = f"{self.palette}.{self.word}"
        accepted = load_attributes().accepted_terms(self.palette, self.word)
        if self.neutral:
            chroma = float(np.hypot(*self.median_lab[1:]))
            if chroma > MAX_NEUTRAL_CHROMA:
                problems.append(
                    f"{where}: a neutral colour renders with chroma {chroma:.1f}; expected at "
                    f"most {MAX_NEUTRAL_CHROMA}"
                )
        else:
            if self.chroma_kept < MIN_CHROMA_KEPT:
                problems.append(
                    f"{where}: keeps {self.chroma_kept:.0%} of its albedo's chroma; expected at "
                    f"least {MIN_CHROMA_KEPT:.0%} (washed out)"
                )
            if self.hue_error_deg > MAX_HUE_ERROR_DEG:
                problems.append(
                    f"{where}: hue off by {self.hue_error_deg:.1f} degrees; expected at most "
                    f"{MAX_HUE_ERROR_DEG}"
                )
        if self.term not in accepted:
            problems.append(
                f"{where}: renders as {self.named!r} ({self.term}); expected a colour named "
                f"{' or '.join(accepted)}"
            )
        return problems


def _hue_deg(lab: np.ndarray) -> np.ndarray:
    return np.degrees(np.arctan2(lab[..., 2], lab[..., 1]))


def colour_fidelity(palette: str, word: str, measured_labs: Iterable) -> ColourFidelity:
    """Fidelity of one palette colour from the measured CIELAB of the objects carrying it."""
    labs = np.asarray(list(measured_labs), dtype=np.float64).reshape(-1, 3)
    if len(labs) == 0:
        raise ValueError(f"{palette}.{word}: no measured object carries this colour")
    albedo = load_attributes().palette(palette)[word].lab
    albedo_chroma = float(np.hypot(albedo[1], albedo[2]))
    chroma = np.hypot(labs[:, 1], labs[:, 2])
    hue_error = np.abs((_hue_deg(labs) - _hue_deg(albedo) + 180.0) % 360.0 - 180.0)
    neutral = albedo_chroma < NEUTRAL_ALBEDO_CHROMA
    median = np.median(labs, axis=0)
    accepted = load_attributes().accepted_terms(palette, word)
    return ColourFidelity(
        palette=palette,
        word=word,
        objects=len(labs),
        albedo_lab=tuple(round(float(c), 2) for c in albedo),
        median_lab=tuple(round(float(c), 2) for c in median),
        chroma_kept=float("nan") if neutral else float(np.median(chroma) / albedo_chroma),
        hue_error_deg=float("nan") if neutral else float(np.median(hue_error)),
        named=colour_name(median),
        term=colour_term(median),
        named_share=float(np.mean([colour_term(lab) in accepted for lab in labs])),
    )


def palette_fidelity(
    palette: str, measured: Iterable[tuple[str, tuple[float, float, float]]]
) -> list[ColourFidelity]:
    """Fidelity of each colour of a palette that some object carries, from (word, measured
    CIELAB) pairs."""
    by_word: dict[str, list] = {word: [] for word in load_attributes().palette(palette)}
    for word, lab in measured:
        if word not in by_word:
            raise ValueError(f"{palette}: {word!r} is not one of its colours {sorted(by_word)}")
        by_word[word].append(lab)
    return [colour_fidelity(palette, word, labs) for word, labs in by_word.items() if labs]
