"""The per-image annotation: the spec, what was measured in the rendered pixels, and captions.

One JSON file per image, written by the render runner and read by export and eval. Pixel
measurements come from the instance pass, so they are exact for the rendered image.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pycocotools import mask as mask_utils
from pydantic import BaseModel, ConfigDict, Field

from comco.annotate.colour_gate import MeasuredColour
from comco.annotate.measure import Measure
from comco.captions.plain import CaptionSet, CaptionStyle
from comco.captions.sets import caption_set
from comco.core.spec import SceneSpec, SizeRole

ANNOTATION_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RleMask(_Model):
    """COCO run-length encoding (pycocotools' compressed `counts` string), column-major."""

    size: tuple[int, int] = Field(description="height, width")
    counts: str

    @classmethod
    def encode(cls, mask: np.ndarray) -> RleMask:
        """The compressed RLE of a boolean (H, W) mask."""
        rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
        return cls(
            size=(int(rle["size"][0]), int(rle["size"][1])), counts=rle["counts"].decode("ascii")
        )

    def decode(self) -> np.ndarray:
        """The (height, width) boolean mask."""
        rle = {"size": list(self.size), "counts": self.counts.encode("ascii")}
        return mask_utils.decode(rle).astype(bool)


class ObjectAnnotation(_Model):
    """One object as placed (from the spec) and as seen (from the instance pass)."""

    index: int = Field(ge=0, description="position in spec.objects; the instance id is index+1")
    category: str
    size_role: SizeRole
    position: tuple[float, float, float]
    scale: float
    yaw_deg: float
    bbox_xywh: tuple[int, int, int, int] = Field(description="visible pixels, x right, y down")
    visible_area_px: int = Field(ge=0)
    area_fraction: float = Field(ge=0, le=1, description="visible pixels / image pixels")
    unoccluded_area_px: int = Field(ge=0, description="pixels the object covers when alone")
    occlusion: float = Field(ge=0, le=1, description="1 - visible / unoccluded")
    size_rank: int = Field(ge=1, description="1 = largest visible area in the image")
    mask: RleMask
    touches_border: bool
    color_name: str | None = Field(None, description="the spec's colour word")
    material: str | None = Field(None, description="the spec's material")
    measured_srgb: tuple[float, float, float] | None = Field(
        None,
        description="mean sRGB (0-255) of the visible pixels (of a patterned object, those in "
        "its colour)",
    )
    measured_lab: tuple[float, float, float] | None = Field(
        None, description="CIELAB (D65) of measured_srgb"
    )


class CameraAnnotation(_Model):
    """Camera matrices, so pixels can be tied back to the 3D scene."""

    intrinsics: list[list[float]] = Field(description="3x3, pixels")
    camera_to_world: list[list[float]] = Field(description="4x4, Blender convention (-Z forward)")


class RenderInfo(_Model):
    """How the image was made: which devices, how long, with which software and assets."""

    device: str = Field(description="e.g. 'OPTIX: NVIDIA H100', 'CPU'")
    seconds: float
    samples: int
    denoise: bool
    blender_version: str
    comco_version: str
    asset_library_sha256: str
    settings: dict[str, float | int | str | bool] = Field(
        default_factory=dict, description="fixed Cycles settings the spec does not carry"
    )


class ImageAnnotation(_Model):
    """Everything known about one rendered image."""

    annotation_version: Literal[1] = ANNOTATION_VERSION
    id: str
    image: str = Field(description="image file name, relative to this JSON")
    width: int
    height: int
    spec: SceneSpec
    objects: list[ObjectAnnotation]
    captions: CaptionSet
    camera: CameraAnnotation
    render: RenderInfo


def build_annotation(
    spec: SceneSpec,
    measures: list[Measure],
    *,
    image: str,
    render: RenderInfo,
    style: CaptionStyle,
    colours: list[MeasuredColour | None] | None = None,
) -> ImageAnnotation:
    """The annotation of a rendered spec from its pixel measurements (and, when given, each
    object's measured colour): the one way the runner (and test fixtures) make one. Binding
    captions order by saliency with the measured visible areas."""
    colours = colours or [None] * len(measures)
    objects = [
        ObjectAnnotation(
            index=i,
            category=obj.category,
            size_role=obj.size_role,
            position=(obj.position[0], obj.position[1], 0.0),
            scale=obj.scale,
            yaw_deg=obj.yaw_deg,
            bbox_xywh=m.bbox_xywh,
            visible_area_px=m.visible_area_px,
            area_fraction=m.area_fraction,
            unoccluded_area_px=m.unoccluded_area_px,
            occlusion=m.occlusion,
            size_rank=m.size_rank,
            mask=RleMask.encode(m.mask),
            touches_border=m.touches_border,
            color_name=obj.color_name,
            material=obj.material,
            measured_srgb=c.srgb if c else None,
            measured_lab=c.lab if c else None,
        )
        for i, (obj, m, c) in enumerate(zip(spec.objects, measures, colours, strict=True))
    ]
    return ImageAnnotation(
        id=spec.id,
        image=image,
        width=spec.camera.width,
        height=spec.camera.height,
        spec=spec,
        objects=objects,
        captions=caption_set(
            spec,
            style,
            areas=[m.visible_area_px for m in measures],
            boxes=[m.bbox_xywh for m in measures],
        ),
        camera=CameraAnnotation(
            intrinsics=spec.camera.intrinsics.tolist(),
            camera_to_world=spec.camera.matrix_world.tolist(),
        ),
        render=render,
    )
