"""File and network utilities with no knowledge of scenes: atomic writes, digests, folder
locks, where caches live, hub reads that time out."""
