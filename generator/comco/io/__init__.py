"""File utilities with no knowledge of scenes: atomic writes and file digests."""
