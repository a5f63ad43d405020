"""`comco eval`: how CLIP-style models see multi-object scenes (TOR, IOR and the paper's
other probes), read from a rendered dataset folder and reported beside the paper's figures.

Metrics work on plain arrays; models sit behind `comco.eval.encoders`, imported only when a
model is loaded, so reading results never needs torch.
"""
