"""ComCO builder: Blender-rendered multi-object scenes and the TOR/IOR evaluator."""

__version__ = "0.1.0"
