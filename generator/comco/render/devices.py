"""Choosing the Cycles compute device: the first GPU backend that has a device, else the CPU.

Never falls back silently: a forced backend that has no device, or `require_gpu` with no
GPU at all, raises `DeviceError` naming what was found.
"""

from __future__ import annotations

import bpy

from comco.render.protocol import DEVICE_CHOICES, GPU_BACKENDS


class DeviceError(RuntimeError):
    """The requested device is not usable on this machine."""


def _gpus(backend: str) -> list:
    preferences = bpy.context.preferences.addons["cycles"].preferences
    try:
        preferences.compute_device_type = backend
    except TypeError:  # backend not compiled into this Blender build
        return []
    preferences.refresh_devices()
    return [d for d in preferences.devices if d.type == backend]


def select_device(
    scene: bpy.types.Scene, device: str = "auto", require_gpu: bool = False, threads: int = 0
) -> str:
    """Set the scene's Cycles device and return a description such as 'OPTIX: NVIDIA H100'.

    `device` is 'auto' (OPTIX, CUDA, HIP, METAL, then CPU) or one of those names; `threads`
    limits CPU rendering (0 = all cores), which matters when several workers share a CPU.
    """
    if device not in DEVICE_CHOICES:
        raise DeviceError(f"device: {device!r} is not one of {list(DEVICE_CHOICES)}")
    if device == "CPU" and require_gpu:
        raise DeviceError("device: 'CPU' was forced together with require_gpu")
    found: dict[str, list[str]] = {}
    backends = GPU_BACKENDS if device == "auto" else () if device == "CPU" else (device,)
    for backend in backends:
        gpus = _gpus(backend)
        found[backend] = [d.name for d in gpus]
        if gpus:
            for d in bpy.context.preferences.addons["cycles"].preferences.devices:
                d.use = d.type == backend
            scene.cycles.device = "GPU"
            return f"{backend}: {', '.join(sorted({d.name for d in gpus}))}"
    if backends and (device != "auto" or require_gpu):
        raise DeviceError(
            f"device: no usable GPU for {device!r} (require_gpu={require_gpu}); "
            f"devices found per backend: {found}"
        )
    bpy.context.preferences.addons["cycles"].preferences.compute_device_type = "NONE"
    scene.cycles.device = "CPU"
    scene.render.threads_mode = "FIXED" if threads else "AUTO"
    if threads:
        scene.render.threads = threads
    return f"CPU ({scene.render.threads} threads)"
