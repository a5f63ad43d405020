"""The colour-naming reference and the fidelity check that judges rendered palette colours
against their albedos, on planted colours with known answers."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from comco.annotate.colour_fidelity import colour_fidelity, palette_fidelity
from comco.annotate.colour_gate import measure_colours
from comco.core.attributes import load_attributes
from comco.core.colour import linear_to_srgb, srgb_to_lab
from comco.core.colour_names import BASIC_TERMS, basic_term, colour_name, colour_term, named_colours
from comco.palette.calibrate import fidelity_problems


def _lab(*srgb: int) -> np.ndarray:
    return srgb_to_lab(np.asarray(srgb) / 255.0)


@pytest.mark.parametrize(
    ("srgb", "term"),
    [
        ((255, 0, 0), "red"),
        ((150, 20, 25), "red"),
        ((255, 255, 0), "yellow"),
        ((0, 0, 255), "blue"),
        ((110, 150, 235), "blue"),
        ((0, 160, 0), "green"),
        ((255, 140, 0), "orange"),
        ((128, 0, 128), "purple"),
        ((255, 150, 200), "pink"),
        ((110, 60, 20), "brown"),
        ((128, 128, 128), "gray"),
        ((255, 255, 255), "white"),
        ((10, 10, 10), "black"),
        # what the issue saw: CLEVR's red and yellow washed out by the AgX view
        ((188, 122, 119), "pink"),
        ((194, 188, 145), "brown"),
    ],
)
def test_planted_colours_get_the_basic_term_people_give_them(srgb, term):
    assert colour_term(_lab(*srgb)) == term


def test_every_survey_name_maps_to_a_basic_term_and_names_itself():
    names, labs = named_colours()
    assert len(names) == 548
    assert {basic_term(n) for n in names} == set(BASIC_TERMS)
    assert colour_name(labs[names.index("red")]) == "red"
    with pytest.raises(ValueError, match="not a basic colour term"):
        basic_term("teal")


def test_greys_are_named_among_neutral_names_only():
    for value in range(0, 256, 15):
        assert colour_term(_lab(value, value, value)) in {"black", "gray", "white"}


def _albedo_srgb(palette: str, word: str) -> np.ndarray:
    return linear_to_srgb(np.asarray(load_attributes().palette(palette)[word].linear)) * 255


def _object_image(srgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A 16x16 image of grey floor with an 8x8 object of the given colour, and its mask."""
    rgb = np.full((16, 16, 3), 140, dtype=np.uint8)
    mask = np.zeros((16, 16), dtype=bool)
    mask[4:12, 4:12] = True
    rgb[mask] = np.round(srgb).astype(np.uint8)
    return rgb, mask


@pytest.mark.parametrize("word", ["red", "yellow", "blue", "purple"])
def test_a_render_of_the_albedo_itself_passes(word):
    rgb, mask = _object_image(_albedo_srgb("clevr8", word))
    (measured,) = measure_colours(rgb, [mask])
    row = colour_fidelity("clevr8", word, [measured.lab])
    assert row.chroma_kept == pytest.approx(1.0, abs=0.02)
    assert row.hue_error_deg < 1.0
    assert row.problems() == []


@pytest.mark.parametrize("word", ["red", "yellow"])
def test_a_planted_washed_out_render_fails(word):
    albedo = _albedo_srgb("clevr8", word)
    washed = 0.5 * albedo + 0.5 * np.array([170.0, 170.0, 170.0])  # half the way to grey
    rgb, mask = _object_image(washed)
    (measured,) = measure_colours(rgb, [mask])
    row = colour_fidelity("clevr8", word, [measured.lab] * 3)
    assert row.chroma_kept < 0.75
    assert any("washed out" in p for p in row.problems())


def test_a_hue_shift_and_a_tinted_grey_fail():
    red = _albedo_srgb("clevr8", "red")
    orange = colour_fidelity("clevr8", "red", [_lab(*(red[0], red[1] + 60, red[2]))])
    assert any("hue off" in p for p in orange.problems())
    tinted = colour_fidelity("clevr8", "gray", [_lab(150, 130, 130)])
    assert math.isnan(tinted.chroma_kept)
    assert any("neutral colour renders with chroma" in p for p in tinted.problems())


def test_a_non_basic_word_passes_with_its_documented_terms():
    cyan = colour_fidelity("clevr8", "cyan", [_lab(*_albedo_srgb("clevr8", "cyan"))])
    assert cyan.term in {"blue", "green"} and cyan.problems() == []


def test_palette_fidelity_groups_objects_by_word_and_rejects_unknown_words():
    red, blue = _lab(*_albedo_srgb("clevr8", "red")), _lab(*_albedo_srgb("clevr8", "blue"))
    rows = palette_fidelity("clevr8", [("red", red), ("red", red), ("blue", blue)])
    assert [(r.word, r.objects) for r in rows] == [("red", 2), ("blue", 1)]
    with pytest.raises(ValueError, match="'teal' is not one of its colours"):
        palette_fidelity("clevr8", [("teal", red)])


def _calibration_folder(root: Path, scale: float) -> Path:
    """A rendered folder whose objects carry every clevr8 colour, measured at `scale` of the
    way from grey to the albedo (1: true colours, 0.5: washed out)."""
    import json

    (root / "images" / "00000").mkdir(parents=True)
    objects = []
    for word in load_attributes().palette("clevr8"):
        srgb = 170 + scale * (_albedo_srgb("clevr8", word) - 170)
        lab = srgb_to_lab(srgb / 255.0)
        objects.append(
            {"color_name": word, "measured_srgb": srgb.tolist(), "measured_lab": lab.tolist()}
        )
    (root / "images" / "00000" / "a.json").write_text(json.dumps({"objects": objects}))
    return root


def test_calibration_refuses_a_washed_out_palette(tmp_path):
    assert fidelity_problems("clevr8", _calibration_folder(tmp_path / "true", 1.0)) == []
    problems = fidelity_problems("clevr8", _calibration_folder(tmp_path / "washed", 0.5))
    assert any("clevr8.red" in p and "washed out" in p for p in problems)
    assert any("clevr8.yellow" in p for p in problems)
