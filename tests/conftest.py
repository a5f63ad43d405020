import pytest

from comco.core.spec import ObjectSpec, SceneSpec


@pytest.fixture
def one_large_scene() -> SceneSpec:
    """A valid 3-object scene: one large horse behind two small objects."""
    return SceneSpec(
        id="scene-1",
        seed=7,
        objects=[
            ObjectSpec(category="cup", size_role="small", scale=0.75, position=(-1.3, -0.9)),
            ObjectSpec(category="horse", size_role="large", scale=2.4, position=(0.0, 1.0)),
            ObjectSpec(category="apple", size_role="small", scale=0.75, position=(1.3, -0.9)),
        ],
    )
