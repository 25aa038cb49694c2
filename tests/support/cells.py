"""Published benchmark rows built by hand: every field empty but those a test names."""

from __future__ import annotations

from typing import Any

from disclosure.benchmark import BenchmarkCell

# a published UC01 × EFF_DELAI_PEC row of four establishments, nothing withheld, no statistic yet
DELAY_CELL: dict[str, Any] = {
    "edition": 1,
    "quarter": "2025-T3",
    "use_case": "UC01",
    "use_case_label": "x",
    "use_case_illustrative": True,
    "domain": "EFF",
    "domain_label": "efficacité opérationnelle",
    "kpi": "EFF_DELAI_PEC",
    "kpi_label": "Temps",
    "unit": "minutes",
    "kind": "duration",
    "direction": "lower_is_better",
    "n_establishments": 4,
    "n_experimentations": 4,
    "withheld": False,
}


def benchmark_cell(**fields: Any) -> BenchmarkCell:
    """DELAY_CELL with `fields` changed; the statistics not given are None (not published)."""
    values: dict[str, Any] = dict.fromkeys(BenchmarkCell.__dataclass_fields__)
    values.update(DELAY_CELL)
    values.update(fields)
    return BenchmarkCell(**values)
