"""Contrastive training of small CLIP-style models on generated data, and the data-properties
experiment: the same rendered scenes captioned under different knobs, one model per cell."""
