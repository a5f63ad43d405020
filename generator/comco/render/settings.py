"""Cycles settings the spec does not carry, fixed so that the same spec gives the same pixels.

Plain data (no bpy) so the runner can record them in every annotation.
"""

FIXED_SETTINGS: dict[str, float | int | str | bool] = {
    "diffuse_bounces": 2,
    "glossy_bounces": 2,
    "transmission_bounces": 4,
    "transparent_max_bounces": 8,
    "volume_bounces": 0,
    "caustics": False,
    "light_tree": False,
    "adaptive_threshold": 0.05,
    "filter_width": 1.5,
    "view_transform": "Standard",
    "exposure": 0.0,
    "denoiser": "OPENIMAGEDENOISE",
}
