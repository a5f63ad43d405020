"""The asset library: fetching source packages, converting and normalising meshes, verifying."""
