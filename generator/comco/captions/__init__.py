"""Captions from specs: every order of a scene's objects, single-object and matching captions
(`plain`), and attribute-binding captions with their tagged negatives (`binding`)."""
