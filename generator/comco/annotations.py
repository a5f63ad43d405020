"""The per-image annotation: the spec, what was measured in the rendered pixels, and captions.

One JSON file per image, written by the render runner and read by export and eval. Pixel
measurements come from the instance pass, so they are exact for the rendered image.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from comco.captions import CaptionSet
from comco.spec import SceneSpec, SizeRole

ANNOTATION_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RleMask(_Model):
    """COCO run-length encoding (pycocotools' compressed `counts` string), column-major."""

    size: tuple[int, int] = Field(description="height, width")
    counts: str


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
        None, description="mean sRGB (0-255) of the visible pixels"
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
