"""The frozen parts of the settings that the pure rooms take, and their defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any, TypeVar

from tlkpi.settings import Settings

Part = TypeVar("Part")


def default(name: str) -> Any:
    """The default of a settings field: the one source of the defaults of the frozen parts the pure
    rooms take (`Rules`, `Limits`, `CheckLimits`)."""
    return Settings.model_fields[name].default


def settings_part(part: type[Part], settings: Settings, renamed: Mapping[str, str] | None = None) -> Part:
    """A frozen part of the settings: each of its fields read from the settings field of the same name
    (or of the name `renamed` gives it)."""
    names = renamed or {}
    values = {field.name: getattr(settings, names.get(field.name, field.name)) for field in fields(part)}  # type: ignore[arg-type]
    return part(**values)
