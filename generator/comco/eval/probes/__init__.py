"""Trained probes on frozen, cached embeddings: linear heads per slot (the ComCO paper's
TOC/IOC, LABCLIP's uni-modal colour probes), seeded recorded splits, intervals over seeds."""
