"""The demo's establishments and their experimentations, as plain records shared by its writers."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.periods import Period


@dataclass(frozen=True)
class DemoEstablishment:
    finess: str
    name: str
    category: str
    region: str
    public_name: bool


@dataclass(frozen=True)
class Experimentation:
    """One establishment piloting one use case, and how it reports."""

    establishment: DemoEstablishment
    use_case: str
    kpis: tuple[str, ...]
    monthly: bool
    pilot: tuple[Period, ...]  # its pilot quarters, in order (reference/experimentations.csv)
    file_format: str
