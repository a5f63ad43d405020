"""Colour conversions for measured object colours: linear RGB <-> sRGB, sRGB -> CIELAB (D65),
and the CIE94 distance (textile weights, which count lightness half as much as hue and chroma,
so a shaded red stays nearer to red than to brown)."""

from __future__ import annotations

import numpy as np

# sRGB (linear) to XYZ, D65, and the D65 white point.
_RGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
_WHITE_D65 = np.array([0.95047, 1.0, 1.08883])


def linear_to_srgb(linear: np.ndarray) -> np.ndarray:
    """sRGB in [0, 1] from linear RGB in [0, 1] (the standard transfer curve)."""
    c = np.clip(np.asarray(linear, dtype=np.float64), 0.0, 1.0)
    return np.where(c <= 0.0031308, 12.92 * c, 1.055 * c ** (1 / 2.4) - 0.055)


def srgb_to_linear(srgb: np.ndarray) -> np.ndarray:
    """Linear RGB in [0, 1] from sRGB in [0, 1]."""
    c = np.clip(np.asarray(srgb, dtype=np.float64), 0.0, 1.0)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def srgb_to_lab(srgb: np.ndarray) -> np.ndarray:
    """CIELAB (D65) of sRGB values in [0, 1]; works on (..., 3) arrays."""
    xyz = srgb_to_linear(srgb) @ _RGB_TO_XYZ.T / _WHITE_D65
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])],
        axis=-1,
    )


def delta_e94(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIE94 colour difference with textile weights (kL=2, K1=0.048, K2=0.014); lab1 is the
    reference. Broadcasts over leading axes."""
    lab1, lab2 = np.asarray(lab1, dtype=np.float64), np.asarray(lab2, dtype=np.float64)
    d_l = lab1[..., 0] - lab2[..., 0]
    c1 = np.hypot(lab1[..., 1], lab1[..., 2])
    c2 = np.hypot(lab2[..., 1], lab2[..., 2])
    d_c = c1 - c2
    d_h2 = np.maximum(
        (lab1[..., 1] - lab2[..., 1]) ** 2 + (lab1[..., 2] - lab2[..., 2]) ** 2 - d_c**2, 0.0
    )
    s_c, s_h = 1 + 0.048 * c1, 1 + 0.014 * c1
    return np.sqrt((d_l / 2.0) ** 2 + (d_c / s_c) ** 2 + d_h2 / s_h**2)
