"""Per-object colours and materials as node values on the persistent scene.

Each shown object gets, once, a copy of each of its materials whose base colour runs through
a tint: base = tint colour x clamp(0.4 + 0.6 x luminance / mean luminance), so a recoloured
COCO object keeps its texture's and parts' shading (a dark tyre stays darker than the car
body) while its mean colour is the tint, and a uniform SimCO shape simply takes the tint. A
spec then only sets node values (tint colour, tint on/off, roughness, metallic): nothing is
re-imported or rebuilt between images. The copies reflect half of Blender's default specular
(TINT_SPECULAR): with the full 4 %, the bright sky's grey reflection took a fifth of the
chroma of dark colours (wide16's brown kept 69 % of its albedo's chroma, 77 % with half).

Patterns: the tinted colour is mixed with a contrasting colour (`Attributes.contrast`) by a
mask computed in object coordinates (assets are 1 m, so a pattern's periods per metre give the
same count of repeats across an object at any scale). Every pattern of attributes.yaml has its
mask in the copy, weighted 0 or 1 by the spec, so switching patterns again only sets values.
A finish sets roughness, specular and transmission instead of a material.
"""

from __future__ import annotations

import bpy
import numpy as np

from comco.core.attributes import Pattern, load_attributes
from comco.core.colour import srgb_to_linear
from comco.core.spec import ObjectSpec
from comco.render.rna import assign

TINT_NODE = "comco_tint"
SWITCH_NODE = "comco_tint_on"
CONTRAST_NODE = "comco_contrast"
PATTERN_WEIGHT = "comco_pattern:"  # + the pattern's name: its mask's weight, 0 or 1
# The shade of a part as bright as the object's mean is 1; darker parts down to SHADE_FLOOR.
SHADE_FLOOR = 0.4
# Roughness and metallic of an object given a colour but no material (as before materials
# existed).
PLAIN_SURFACE = (0.5, 0.0)
# The BSDF inputs attributes set (a material or a finish); a tinted copy drops their links.
# No material of the library sets transmission, so zeroing it changes no earlier render.
SURFACE_INPUTS = ("Roughness", "Metallic", "Specular IOR Level", "Transmission Weight")
# Specular level of a recoloured object (Blender's default 0.5 is a 4 % reflectance): half
# of it, so the bright sky's grey reflection does not wash dark colours out.
TINT_SPECULAR = 0.25
_LUMA = np.array([0.2126, 0.7152, 0.0722])


def _principled(material: bpy.types.Material) -> bpy.types.Node | None:
    return next((n for n in material.node_tree.nodes if n.type == "BSDF_PRINCIPLED"), None)


def _socket(sockets: bpy.types.bpy_prop_collection, name: str, kind: str) -> bpy.types.NodeSocket:
    return next(s for s in sockets if s.name == name and s.type == kind)


def _image_luminance(image: bpy.types.Image) -> float:
    """Mean linear luminance of an image's pixels (every 7th pixel is plenty)."""
    pixels = np.empty(len(image.pixels), dtype=np.float32)
    image.pixels.foreach_get(pixels)
    rgb = pixels.reshape(-1, image.channels)[::7, :3].astype(np.float64)
    if not image.is_float and image.colorspace_settings.name == "sRGB":
        rgb = srgb_to_linear(rgb)
    return float((rgb @ _LUMA).mean())


def _base_luminance(material: bpy.types.Material | None) -> float:
    """Mean linear luminance of a material's base colour (0.5 when it cannot be read)."""
    bsdf = _principled(material) if material is not None and material.use_nodes else None
    if bsdf is None:
        return 0.5
    base = bsdf.inputs["Base Color"]
    if not base.is_linked:
        return float(np.asarray(base.default_value[:3]) @ _LUMA)
    source = base.links[0].from_node
    if source.type == "TEX_IMAGE" and source.image is not None and source.image.size[0] > 0:
        return _image_luminance(source.image)
    return 0.5


def _mean_luminance(obj: bpy.types.Object) -> float:
    """Area-weighted mean base-colour luminance over the object's materials."""
    mesh = obj.data
    areas = np.empty(len(mesh.polygons), dtype=np.float64)
    mesh.polygons.foreach_get("area", areas)
    slots = np.empty(len(mesh.polygons), dtype=np.int64)
    mesh.polygons.foreach_get("material_index", slots)
    lum = np.array([_base_luminance(m) for m in mesh.materials] or [0.5])
    weights = np.bincount(np.clip(slots, 0, len(lum) - 1), areas, minlength=len(lum))
    if weights.sum() <= 0:
        return float(lum.mean())
    return float(max(1e-3, (lum * weights).sum() / weights.sum()))


def _math(tree: bpy.types.NodeTree, operation: str, *values: float) -> bpy.types.Node:
    node = tree.nodes.new("ShaderNodeMath")
    node.operation = operation
    for i, value in enumerate(values):
        node.inputs[i + 1].default_value = value
    return node


def _pattern_mask(
    tree: bpy.types.NodeTree, coordinates: bpy.types.NodeSocket, pattern: Pattern
) -> bpy.types.NodeSocket:
    """1 where the pattern shows the contrasting colour, else 0, from object coordinates:
    stripes across x (seen on the front and the top of an object facing the camera), checks
    of a 3D checkerboard, dots as balls around Voronoi points jittered in a cubic lattice (a
    regular lattice left whole faces without a dot where they lie between its layers)."""
    if pattern.texture == "checks":
        checker = tree.nodes.new("ShaderNodeTexChecker")
        checker.inputs["Scale"].default_value = 2.0 * pattern.periods  # a period is two cells
        tree.links.new(coordinates, checker.inputs["Vector"])
        return checker.outputs["Factor"]
    if pattern.texture == "stripes":
        scaled = tree.nodes.new("ShaderNodeVectorMath")
        scaled.operation = "SCALE"
        scaled.inputs["Scale"].default_value = pattern.periods
        tree.links.new(coordinates, scaled.inputs[0])
        axes = tree.nodes.new("ShaderNodeSeparateXYZ")
        tree.links.new(scaled.outputs["Vector"], axes.inputs[0])
        phase = _math(tree, "FRACT")
        tree.links.new(axes.outputs["X"], phase.inputs[0])
        distance = phase.outputs[0]
    else:  # dots
        voronoi = tree.nodes.new("ShaderNodeTexVoronoi")
        voronoi.voronoi_dimensions, voronoi.feature, voronoi.distance = "3D", "F1", "EUCLIDEAN"
        voronoi.inputs["Scale"].default_value = pattern.periods
        voronoi.inputs["Randomness"].default_value = 1.0
        tree.links.new(coordinates, voronoi.inputs["Vector"])
        distance = voronoi.outputs["Distance"]
    inside = _math(tree, "LESS_THAN", pattern.coverage)
    tree.links.new(distance, inside.inputs[0])
    return inside.outputs[0]


def _patterned(tree: bpy.types.NodeTree, colour: bpy.types.NodeSocket) -> bpy.types.NodeSocket:
    """`colour` mixed with the contrasting colour by the weighted sum of every pattern's mask
    (all weights 0: `colour` exactly)."""
    coordinates = tree.nodes.new("ShaderNodeTexCoord").outputs["Object"]
    total = None
    for name, pattern in load_attributes().patterns.items():
        weight = _math(tree, "MULTIPLY", 0.0)
        weight.name = PATTERN_WEIGHT + name
        tree.links.new(_pattern_mask(tree, coordinates, pattern), weight.inputs[0])
        if total is None:
            total = weight.outputs[0]
        else:
            summed = _math(tree, "ADD")
            tree.links.new(total, summed.inputs[0])
            tree.links.new(weight.outputs[0], summed.inputs[1])
            total = summed.outputs[0]
    contrast = tree.nodes.new("ShaderNodeRGB")
    contrast.name = CONTRAST_NODE
    mix = tree.nodes.new("ShaderNodeMix")
    mix.data_type, mix.clamp_factor = "RGBA", True
    tree.links.new(total, _socket(mix.inputs, "Factor", "VALUE"))
    tree.links.new(colour, _socket(mix.inputs, "A", "RGBA"))
    tree.links.new(contrast.outputs[0], _socket(mix.inputs, "B", "RGBA"))
    return _socket(mix.outputs, "Result", "RGBA")


def _tinted_copy(source: bpy.types.Material | None, name: str, gain: float) -> bpy.types.Material:
    material = source.copy() if source is not None else bpy.data.materials.new(name)
    material.name = name
    material.use_nodes = True
    tree = material.node_tree
    bsdf = _principled(material)
    if bsdf is None:  # not a Principled material: replace it by one
        tree.nodes.clear()
        bsdf = tree.nodes.new("ShaderNodeBsdfPrincipled")
        output = tree.nodes.new("ShaderNodeOutputMaterial")
        tree.links.new(bsdf.outputs[0], output.inputs["Surface"])
    base = bsdf.inputs["Base Color"]
    if base.is_linked:
        own = base.links[0].from_socket
    else:
        constant = tree.nodes.new("ShaderNodeRGB")
        constant.outputs[0].default_value = base.default_value
        own = constant.outputs[0]
    luminance = tree.nodes.new("ShaderNodeRGBToBW")
    tree.links.new(own, luminance.inputs[0])
    shade = tree.nodes.new("ShaderNodeMath")
    shade.operation, shade.use_clamp = "MULTIPLY_ADD", True
    shade.inputs[1].default_value = (1.0 - SHADE_FLOOR) * gain
    shade.inputs[2].default_value = SHADE_FLOOR
    tree.links.new(luminance.outputs[0], shade.inputs[0])
    tint = tree.nodes.new("ShaderNodeRGB")
    tint.name = TINT_NODE
    shaded = tree.nodes.new("ShaderNodeMix")
    shaded.data_type, shaded.blend_type = "RGBA", "MULTIPLY"
    _socket(shaded.inputs, "Factor", "VALUE").default_value = 1.0
    tree.links.new(tint.outputs[0], _socket(shaded.inputs, "A", "RGBA"))
    tree.links.new(shade.outputs[0], _socket(shaded.inputs, "B", "RGBA"))
    switch = tree.nodes.new("ShaderNodeMix")
    switch.name, switch.data_type = SWITCH_NODE, "RGBA"
    tree.links.new(own, _socket(switch.inputs, "A", "RGBA"))
    patterned = _patterned(tree, _socket(shaded.outputs, "Result", "RGBA"))
    tree.links.new(patterned, _socket(switch.inputs, "B", "RGBA"))
    tree.links.new(_socket(switch.outputs, "Result", "RGBA"), base)
    for name_ in SURFACE_INPUTS:  # attribute values rule
        for link in list(bsdf.inputs[name_].links):
            tree.links.remove(link)
    bsdf.inputs["Specular IOR Level"].default_value = TINT_SPECULAR
    bsdf.inputs["Transmission Weight"].default_value = 0.0
    return material


def tinted_materials(obj: bpy.types.Object) -> list[bpy.types.Material]:
    """The object's tintable material per slot, made on first use and then reused."""
    names = [f"tint:{obj.name}:{i}" for i in range(len(obj.material_slots))]
    if all(n in bpy.data.materials for n in names):
        return [bpy.data.materials[n] for n in names]
    gain = 1.0 / _mean_luminance(obj)
    return [
        bpy.data.materials.get(name) or _tinted_copy(obj.data.materials[i], name, gain)
        for i, name in enumerate(names)
    ]


def _surface(spec: ObjectSpec) -> tuple[float, float, float, float]:
    """SURFACE_INPUTS' values for the spec's material or finish (neither: a plain surface)."""
    attributes = load_attributes()
    if spec.finish is not None:
        finish = attributes.finish(spec.finish)
        return finish.roughness, 0.0, finish.specular, finish.transmission
    if spec.material is not None:
        material = attributes.material(spec.material)
        return material.roughness, material.metallic, TINT_SPECULAR, 0.0
    return (*PLAIN_SURFACE, TINT_SPECULAR, 0.0)


def apply_attributes(obj: bpy.types.Object, spec: ObjectSpec) -> None:
    """Show the object's own materials, or its tinted copies set to the spec's colour,
    pattern and material or finish (a material or finish alone keeps the object's own
    colours)."""
    if spec.color is None and spec.material is None and spec.finish is None:
        for slot in obj.material_slots:
            if slot.link != "DATA":  # every write re-tags the object, changed or not
                slot.link = "DATA"
        return
    attributes = load_attributes()
    surface = dict(zip(SURFACE_INPUTS, _surface(spec), strict=True))
    for slot, tinted in zip(obj.material_slots, tinted_materials(obj), strict=True):
        slot.link = "OBJECT"
        if slot.material != tinted:
            slot.material = tinted
        nodes = tinted.node_tree.nodes
        switch = _socket(nodes[SWITCH_NODE].inputs, "Factor", "VALUE")
        assign(switch, "default_value", 0.0 if spec.color is None else 1.0)
        if spec.color is not None:
            assign(nodes[TINT_NODE].outputs[0], "default_value", (*spec.color, 1.0))
            contrast = attributes.contrast(spec.color)
            assign(nodes[CONTRAST_NODE].outputs[0], "default_value", (*contrast, 1.0))
        for name in attributes.patterns:
            weight = nodes[PATTERN_WEIGHT + name].inputs[1]
            assign(weight, "default_value", 1.0 if spec.pattern == name else 0.0)
        bsdf = _principled(tinted)
        for name, value in surface.items():
            assign(bsdf.inputs[name], "default_value", value)
