"""Which configuration (subset) an image belongs to, derived from its spec alone.

A configuration groups images a benchmark compares like with like: the object family (ComCO
objects or SimCO shapes), the object count and the size setting.
"""

from __future__ import annotations

from comco.core.catalog import load_vocabulary
from comco.core.spec import SceneSpec, SizeRole

GALLERY_CONFIG = "gallery"


def family(vocab: str) -> str:
    """'simco' when every category of the preset is a geometric shape, else 'comco'."""
    kinds = {c.kind for c in load_vocabulary().preset(vocab)}
    return "simco" if kinds == {"shape"} else "comco"


def size_setting(roles: list[SizeRole]) -> str:
    """'same' (all equal), 'one_large' (one large, the rest small) or '<k>_large'."""
    if all(r is SizeRole.same for r in roles):
        return "same"
    n_large = roles.count(SizeRole.large)
    return "one_large" if n_large == 1 else f"{n_large}_large"


def config_name(spec: SceneSpec) -> str:
    """e.g. 'comco_4obj_one_large' or 'simco_2obj_same', and for scenes with attributes their
    kinds and palette: 'comco_3obj_same_color_clevr8' (coloured scenes are a different test)."""
    roles = [o.size_role for o in spec.objects]
    name = f"{family(spec.vocab)}_{len(spec.objects)}obj_{size_setting(roles)}"
    if spec.attributes is not None:
        palette = [spec.attributes.palette] if spec.attributes.palette else []
        name = "_".join([name, *spec.attributes.kinds, *palette])
    return name
