"""Contact sheets: labelled grids of thumbnails for looking at a library or a dataset."""
