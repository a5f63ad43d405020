"""`comco browse`: a static site (no server) to look through a rendered dataset and its
evaluation report."""
