"""One cache root for every kind of cached data."""

from pathlib import Path

from comco.io.locations import cache_folder, cache_root


def test_comco_cache_is_the_root_of_every_kind(monkeypatch, tmp_path):
    monkeypatch.setenv("COMCO_CACHE", str(tmp_path / "c"))
    assert cache_root() == tmp_path / "c"
    assert cache_folder("embeddings") == tmp_path / "c" / "embeddings"
    assert cache_folder("copies") == tmp_path / "c" / "copies"


def test_without_comco_cache_the_xdg_cache_holds_a_comco_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("COMCO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_folder("embeddings") == tmp_path / "comco" / "embeddings"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_root() == Path.home() / ".cache" / "comco"
