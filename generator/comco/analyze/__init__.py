"""`comco analyze`: measure the data properties of a real captioned dataset in COCO format.

The properties are the ones the generator can set (saliency order, completeness, attribute
density): which annotated categories each caption names, in which order, how that order
follows object size, and how often named objects carry attribute words. Captions stream, so
a corpus of any length analyses in memory that grows with the number of images only.
"""
