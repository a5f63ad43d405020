"""Attributes as data: colour palettes, materials, patterns and finishes
(`data/attributes.yaml`), which categories may carry them, and the held-out (attribute,
category) pairs of a binding dataset.

Pure Python. The render layer reads materials' shader values from here; the sampler draws
colours and materials from here; the colour gate compares measured colours with the palette.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from comco.core.colour import delta_e94, linear_to_srgb, srgb_to_lab
from comco.core.colour_names import BASIC_TERMS

AttributeKind = Literal["color", "material", "size", "pattern", "finish"]
# Size words: an object's size role named as a word. The renderer sets it exactly (its scale),
# and the quality gate keeps a scene only when the large object measures largest on screen,
# so the word agrees with the measured size rank. Same-size objects carry no size word.
SIZE_WORDS = ("small", "large")
Split = Literal["train", "val", "test"]
# Colours of one palette must be at least this far apart (CIE94, textile weights) as albedos
# and, once calibrated, as rendered.
MIN_PALETTE_DISTANCE = 10.0
RENDERED_FILE = "palette_rendered.yaml"
RENDERED_PATH = Path(__file__).resolve().parents[1] / "data" / RENDERED_FILE

# Named colours for SimCO shapes (linear RGB), the words captions use.
SHAPE_COLORS: dict[str, tuple[float, float, float]] = {
    "red": (0.8, 0.05, 0.05),
    "green": (0.05, 0.6, 0.1),
    "blue": (0.05, 0.15, 0.8),
    "yellow": (0.9, 0.75, 0.05),
    "purple": (0.4, 0.05, 0.6),
    "orange": (0.9, 0.3, 0.02),
    "cyan": (0.05, 0.6, 0.7),
    "white": (0.85, 0.85, 0.85),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class PaletteColour(_Strict):
    """One named colour: its word is its key in the palette."""

    linear: tuple[float, float, float] = Field(description="linear RGB in [0, 1]")
    terms: tuple[str, ...] | None = Field(
        None,
        description="basic colour terms the colour may be named with when its word is not one "
        "(cyan: blue or green); unset, the word itself",
    )

    @model_validator(mode="after")
    def _unit(self) -> PaletteColour:
        if not all(0.0 <= c <= 1.0 for c in self.linear):
            raise ValueError(f"linear: {self.linear} must have every channel in [0, 1]")
        unknown = [t for t in self.terms or () if t not in BASIC_TERMS]
        if unknown:
            raise ValueError(f"terms: {unknown} are not basic colour terms {BASIC_TERMS}")
        return self

    @property
    def lab(self) -> np.ndarray:
        """CIELAB of the albedo shown in sRGB (what palette validation compares)."""
        return srgb_to_lab(linear_to_srgb(np.asarray(self.linear)))


class Material(_Strict):
    """Principled BSDF values a material sets (colour stays the object's own or its attribute)."""

    roughness: float = Field(ge=0, le=1)
    metallic: float = Field(ge=0, le=1)


class Pattern(_Strict):
    """A procedural texture in object coordinates that mixes the object's palette colour with
    the contrasting colour (assets are 1 m, so `periods` across the object hold at any scale)."""

    texture: Literal["stripes", "dots", "checks"]
    periods: float = Field(gt=0, le=64, description="repeats per metre of the 1 m asset")
    coverage: float | None = Field(
        None,
        gt=0,
        lt=0.5,
        description="stripes: the contrasting band's share of a period; dots: a dot's radius "
        "as a share of its cell; checks: unset (always half)",
    )

    @model_validator(mode="after")
    def _coverage(self) -> Pattern:
        if (self.coverage is None) != (self.texture == "checks"):
            raise ValueError(
                f"coverage: {self.coverage} with texture {self.texture!r}; stripes and dots "
                "need one in (0, 0.5), checks none"
            )
        return self


class Finish(_Strict):
    """A finish: the second material family (Principled BSDF roughness, specular level and
    transmission), exclusive with `materials` in one dataset."""

    roughness: float = Field(ge=0, le=1)
    specular: float = Field(ge=0, le=1, description="Specular IOR Level")
    transmission: float = Field(ge=0, le=1, description="Transmission Weight")


class Attributes(_Strict):
    """The whole attributes file."""

    palettes: dict[str, dict[str, PaletteColour]]
    materials: dict[str, Material]
    patterns: dict[str, Pattern]
    pattern_contrast: dict[Literal["light", "dark"], tuple[float, float, float]]
    finishes: dict[str, Finish]
    forbid: dict[AttributeKind, list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> Attributes:
        if set(self.pattern_contrast) != {"light", "dark"}:
            raise ValueError(
                f"pattern_contrast: {sorted(self.pattern_contrast)}; expected light and dark"
            )
        for which, linear in self.pattern_contrast.items():
            if not all(0.0 <= c <= 1.0 for c in linear):
                raise ValueError(f"pattern_contrast.{which}: {linear} must be in [0, 1]")
        for name, colours in self.palettes.items():
            for word, colour in colours.items():
                if colour.terms is None and word not in BASIC_TERMS:
                    raise ValueError(
                        f"palettes.{name}.{word}: not a basic colour term; give its terms"
                    )
            if len(colours) < 2:
                raise ValueError(f"palettes.{name}: needs at least 2 colours")
            words = list(colours)
            labs = np.stack([colours[w].lab for w in words])
            for i in range(len(words)):
                for j in range(i + 1, len(words)):
                    distance = float(delta_e94(labs[i], labs[j]))
                    if distance < MIN_PALETTE_DISTANCE:
                        raise ValueError(
                            f"palettes.{name}: {words[i]!r} and {words[j]!r} are only "
                            f"{distance:.1f} apart (CIE94); expected at least "
                            f"{MIN_PALETTE_DISTANCE}"
                        )
        return self

    def palette(self, name: str) -> dict[str, PaletteColour]:
        if name not in self.palettes:
            raise ValueError(
                f"palette: unknown palette {name!r}; expected one of {sorted(self.palettes)}"
            )
        return self.palettes[name]

    def accepted_terms(self, palette: str, word: str) -> tuple[str, ...]:
        """The basic colour terms a rendered colour of `word` may be named with."""
        colour = self.palette(palette)[word]
        return colour.terms or (word,)

    def material(self, name: str) -> Material:
        if name not in self.materials:
            raise ValueError(
                f"material: unknown material {name!r}; expected one of {sorted(self.materials)}"
            )
        return self.materials[name]

    def pattern(self, name: str) -> Pattern:
        if name not in self.patterns:
            raise ValueError(
                f"pattern: unknown pattern {name!r}; expected one of {sorted(self.patterns)}"
            )
        return self.patterns[name]

    def finish(self, name: str) -> Finish:
        if name not in self.finishes:
            raise ValueError(
                f"finish: unknown finish {name!r}; expected one of {sorted(self.finishes)}"
            )
        return self.finishes[name]

    def contrast(self, colour: tuple[float, float, float]) -> tuple[float, float, float]:
        """The contrasting colour a pattern mixes with a colour (linear RGB): of the light
        and the dark one, the one whose CIELAB lightness is farther from the colour's."""
        lightness = float(srgb_to_lab(linear_to_srgb(np.asarray(colour)))[0])
        light, dark = self.pattern_contrast["light"], self.pattern_contrast["dark"]
        gaps = {
            c: abs(float(srgb_to_lab(linear_to_srgb(np.asarray(c)))[0]) - lightness)
            for c in (light, dark)
        }
        return light if gaps[light] >= gaps[dark] else dark

    def values(self, kind: AttributeKind, palette: str | None) -> list[str]:
        """The words an attribute kind can take: a palette's colours, the materials, the
        size words, the patterns or the finishes."""
        if kind == "material":
            return list(self.materials)
        if kind == "size":
            return list(SIZE_WORDS)
        if kind == "pattern":
            return list(self.patterns)
        if kind == "finish":
            return list(self.finishes)
        if palette is None:
            raise ValueError("palette: colour attributes need a palette; got none")
        return list(self.palette(palette))

    def allows(self, kind: AttributeKind, category: str) -> bool:
        return category not in self.forbid.get(kind, [])


@cache
def rendered_references(palette: str) -> dict[str, np.ndarray]:
    """CIELAB of each colour of a palette as rendered in the studio (measured by `comco palette
    calibrate`). Rendered references must keep the palette's colours apart."""
    colours = load_attributes().palette(palette)
    text = resources.files("comco").joinpath(f"data/{RENDERED_FILE}")
    measured = (yaml.safe_load(text.read_text()) or {}) if text.is_file() else {}
    if palette not in measured:
        raise ValueError(
            f"palette: {palette!r} has no rendered references in {RENDERED_FILE}; run "
            f"`comco palette calibrate --palette {palette} --out DIR` on a built library"
        )
    table = measured[palette]
    if set(table) != set(colours):
        raise ValueError(
            f"{RENDERED_FILE}: palette {palette!r} lists {sorted(table)}, expected "
            f"{sorted(colours)}; run `comco palette calibrate --palette {palette}` again"
        )
    labs = {name: srgb_to_lab(np.asarray(table[name]["srgb"]) / 255.0) for name in colours}
    names = list(labs)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            distance = float(delta_e94(labs[a], labs[b]))
            if distance < MIN_PALETTE_DISTANCE:
                raise ValueError(
                    f"{RENDERED_FILE}: {palette}: {a!r} and {b!r} render only {distance:.1f} "
                    f"apart (CIE94); expected at least {MIN_PALETTE_DISTANCE}"
                )
    return labs


@cache
def load_attributes() -> Attributes:
    """The attributes shipped with the package (data/attributes.yaml)."""
    text = resources.files("comco").joinpath("data/attributes.yaml").read_text()
    return Attributes.model_validate(yaml.safe_load(text))


Pair = tuple[AttributeKind, str, str]  # (kind, value, category)


def object_value(obj, kind: AttributeKind) -> str | None:
    """The word an object (ObjectSpec) carries for an attribute kind, None when it has none:
    its colour name, its material, its size role as a size word, its pattern or its finish."""
    if kind == "color":
        return obj.color_name
    if kind == "material":
        return obj.material
    if kind == "pattern":
        return obj.pattern
    if kind == "finish":
        return obj.finish
    role = str(obj.size_role)
    return role if role in SIZE_WORDS else None


def holdout_pairs(
    kinds: list[AttributeKind],
    palette: str | None,
    categories: list[str],
    fraction: float,
    seed: int,
) -> dict[Pair, Split]:
    """Every (kind, value, category) pair a dataset can hold and its split: after a shuffle
    seeded by `seed`, the first round(fraction * n) pairs are test-only, the next as many
    val-only, the rest train. Depends only on its arguments, so eval can rebuild it."""
    if not 0.0 <= fraction <= 0.5:
        raise ValueError(f"holdout-pairs: {fraction} is outside [0, 0.5] (test and val each)")
    attributes = load_attributes()
    pairs = sorted(
        (kind, value, category)
        for kind in kinds
        for value in attributes.values(kind, palette)
        for category in categories
        if attributes.allows(kind, category)
    )
    held = round(fraction * len(pairs))
    order = np.random.default_rng(np.random.SeedSequence([seed, 7])).permutation(len(pairs))
    splits: dict[Pair, Split] = {}
    for rank, i in enumerate(order):
        splits[pairs[i]] = "test" if rank < held else "val" if rank < 2 * held else "train"
    return splits


def scene_split(pairs: list[Pair], table: dict[Pair, Split]) -> Split:
    """test if any pair is test-only, else val if any is val-only, else train."""
    found = {table[p] for p in pairs}
    return "test" if "test" in found else "val" if "val" in found else "train"


class AttributeSetup(_Strict):
    """How a binding dataset draws attributes (`SceneSpec.attributes`)."""

    palette: str | None = None
    kinds: list[AttributeKind] = Field(min_length=1)
    distinct: bool = False
    holdout_fraction: float = Field(0.0, ge=0, le=0.5)
    holdout_seed: int = Field(0, ge=0, lt=2**31)

    @property
    def drawn_kinds(self) -> list[AttributeKind]:
        """The kinds the sampler draws values of (a size word comes from the size role)."""
        return [k for k in self.kinds if k != "size"]

    @model_validator(mode="after")
    def _check(self) -> AttributeSetup:
        if len(set(self.kinds)) != len(self.kinds):
            raise ValueError(f"kinds: {self.kinds} repeats a kind")
        if "color" in self.kinds and self.palette is None:
            raise ValueError("palette: colour attributes need a palette; got none")
        if "pattern" in self.kinds and "color" not in self.kinds:
            raise ValueError(
                f"kinds: {self.kinds} has pattern without color; a pattern mixes the object's "
                "palette colour with a contrasting one, so it needs color"
            )
        if "finish" in self.kinds and "material" in self.kinds:
            raise ValueError(
                f"kinds: {self.kinds} has both material and finish; both set the surface, "
                "so a dataset uses one family"
            )
        if self.palette is not None:
            load_attributes().palette(self.palette)
        return self


@cache
def _holdout_table(
    kinds: tuple[AttributeKind, ...], palette: str | None, vocab: str, fraction: float, seed: int
) -> dict[Pair, Split]:
    from comco.core.catalog import load_vocabulary

    categories = load_vocabulary().presets[vocab]
    return holdout_pairs(list(kinds), palette, categories, fraction, seed)


def split_of(setup: AttributeSetup, vocab: str, objects: list) -> Split:
    """The split of a scene whose objects (ObjectSpec) carry `setup`'s attributes."""
    table = _holdout_table(
        tuple(setup.kinds), setup.palette, vocab, setup.holdout_fraction, setup.holdout_seed
    )
    pairs: list[Pair] = [
        (kind, object_value(o, kind), o.category) for o in objects for kind in setup.kinds
    ]
    return scene_split(pairs, table)


def attribute_problems(objects: list, setup: AttributeSetup | None) -> list[str]:
    """Why the objects' attributes are invalid (empty when fine): unknown material, pattern or
    finish, a pattern without a colour, a material with a finish, a category that forbids its
    attribute, and with a setup, a missing, unknown or repeated value (sizes come from the
    size roles and may repeat)."""
    attributes = load_attributes()
    problems = []
    for i, o in enumerate(objects):
        for field, value, known in (
            ("material", o.material, attributes.materials),
            ("pattern", o.pattern, attributes.patterns),
            ("finish", o.finish, attributes.finishes),
        ):
            if value is not None and value not in known:
                problems.append(
                    f"objects[{i}].{field}: unknown {field} {value!r}; expected one of "
                    f"{sorted(known)}"
                )
        if o.pattern is not None and o.color is None:
            problems.append(
                f"objects[{i}].pattern: {o.pattern!r} needs a colour (a pattern mixes the "
                "object's colour with a contrasting one); color is unset"
            )
        if o.finish is not None and o.material is not None:
            problems.append(
                f"objects[{i}].finish: {o.finish!r} and material {o.material!r} both set the "
                "surface; give one"
            )
        for kind, value in (
            ("color", o.color),
            ("material", o.material),
            ("pattern", o.pattern),
            ("finish", o.finish),
        ):
            if value is not None and not attributes.allows(kind, o.category):
                problems.append(
                    f"objects[{i}].{kind}: category {o.category!r} may not carry a {kind} "
                    "(attributes.yaml forbid list)"
                )
    if setup is None:
        return problems
    fields = {
        "color": "color_name",
        "material": "material",
        "size": "size_role",
        "pattern": "pattern",
        "finish": "finish",
    }
    for kind in setup.kinds:
        allowed = attributes.values(kind, setup.palette)
        values = [object_value(o, kind) for o in objects]
        for i, value in enumerate(values):
            if value not in allowed:
                shown = objects[i].size_role if kind == "size" else value
                problems.append(
                    f"objects[{i}].{fields[kind]}: {str(shown)!r} is not one of {allowed}"
                    + (" (size words need one-large scenes)" if kind == "size" else "")
                )
            elif kind == "color":
                expected = attributes.palettes[setup.palette][value].linear
                if tuple(objects[i].color or ()) != expected:
                    problems.append(
                        f"objects[{i}].color: {objects[i].color} is not {value!r} of palette "
                        f"{setup.palette!r} {expected}"
                    )
        if setup.distinct and kind != "size" and len(set(values)) != len(values):
            problems.append(f"objects.{kind}: values {values} repeat but distinct is set")
    return problems
