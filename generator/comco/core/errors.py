"""Turning validation failures into one-line messages that name the field, value and rule."""

from __future__ import annotations

from pydantic import ValidationError


def describe_validation_error(error: ValidationError) -> str:
    """'field: message (got value)' for each problem, joined by '; '."""
    parts = []
    for item in error.errors(include_url=False):
        location = ".".join(str(p) for p in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        value = item.get("input")
        shown = "" if isinstance(value, dict) or value is None else f" (got {value!r})"
        parts.append(f"{location}: {message}{shown}" if location else f"{message}{shown}")
    return "; ".join(parts)
