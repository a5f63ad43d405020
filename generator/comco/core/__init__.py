"""The scene model, free of rendering: specs, camera geometry, the vocabulary, attributes and
caption knobs. Every other package builds on these; they import nothing else of the project."""
