"""Generated benchmark data under .cache/bench/ (never committed): big files, a national inbox, a
national warehouse. Every generator is deterministic and skips its work when its output exists.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from bench.trash import set_aside
from schemas.catalogue import Catalogue, default_catalogue
from schemas.finess import with_check_key

PROJECT = Path(__file__).resolve().parent.parent
CACHE = PROJECT / ".cache" / "bench"
GENERATOR_VERSION = "v1"  # bump to regenerate every cached data set
MONTHS = [f"{year}-{month:02d}" for year in (2024, 2025) for month in range(1, 13)]  # 2024 ref, 2025 pilot
FRENCH_HEADER = [
    "FINESS", "Cas d'usage", "Indicateur", "Période", "Phase",
    "Valeur", "Numérateur", "Dénominateur", "Effectif", "Commentaire",
]  # fmt: skip
COMMENT = "Données consolidées après révision du périmètre (équipe qualité)"
BENCH_QUARTER = "2025-T4"


def establishments(count: int) -> list[str]:
    """`count` valid FINESS numbers spread over mainland départements."""
    return [with_check_key(f"{1 + i % 95:02d}{i:06d}") for i in range(count)]


def _quarter(month: str) -> str:
    return f"{month[:4]}-T{(int(month[5:]) - 1) // 3 + 1}"


def measurement_frame(
    finess: list[str], use_cases: list[str], months: list[str], catalogue: Catalogue, seed: int
) -> pl.DataFrame:
    """Valid rows for every (finess, use case, KPI, month): values inside the KPI ranges, rates coherent."""
    kpis = list(catalogue.kpis.values())
    grid = np.indices((len(finess), len(use_cases), len(kpis), len(months))).reshape(4, -1)
    n = grid.shape[1]
    rng = np.random.default_rng(seed)
    kpi_index = grid[2]
    is_rate = np.array([k.is_rate for k in kpis])[kpi_index]
    low = np.array([k.min for k in kpis])[kpi_index]
    high = np.array([min(k.max, k.min + 500) for k in kpis])[kpi_index]
    denominator = rng.integers(40, 600, n)
    numerator = (denominator * rng.uniform(0.05, 0.95, n)).astype(np.int64)
    rate = np.round(100 * numerator / denominator, 1)
    other = np.round(low + (high - low) * rng.uniform(0.1, 0.9, n), 1)
    month_text = np.array(months)[grid[3]]
    return pl.DataFrame(
        {
            "finess": np.array(finess)[grid[0]],
            "cas_usage": np.array(use_cases)[grid[1]],
            "indicateur": np.array([k.code for k in kpis])[kpi_index],
            "periode": month_text,
            "phase": np.where(np.char.startswith(month_text, "2024"), "reference", "pilote"),
            "valeur": np.where(is_rate, rate, other),
            "numerateur": pl.Series(np.where(is_rate, numerator, 0)),
            "denominateur": pl.Series(np.where(is_rate, denominator, 0)),
            "effectif": rng.integers(12, 900, n),
            "commentaire": np.where(rng.uniform(size=n) < 0.02, COMMENT, ""),
        }
    ).with_columns(
        pl.when(pl.Series(is_rate)).then(pl.col("numerateur")).alias("numerateur"),
        pl.when(pl.Series(is_rate)).then(pl.col("denominateur")).alias("denominateur"),
        pl.when(pl.col("commentaire") != "").then(pl.col("commentaire")).alias("commentaire"),
    )


def write_utf8(frame: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(path)


def write_cp1252(frame: pl.DataFrame, path: Path) -> None:
    """The French Excel export: Windows-1252, `;`, decimal comma, the template's French labels."""
    text = frame.rename(dict(zip(frame.columns, FRENCH_HEADER, strict=True))).write_csv(
        separator=";", decimal_comma=True
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("cp1252"))


@dataclass(frozen=True)
class LargeFiles:
    utf8: Path
    cp1252: Path
    rows: int


def large_files(rows: int) -> LargeFiles:
    """One file of `rows` rows (many establishments straight in the inbox) and its French twin."""
    folder = CACHE / f"large-{GENERATOR_VERSION}-{rows}"
    result = LargeFiles(folder / "kpi_utf8.csv", folder / "kpi_cp1252.csv", rows)
    if result.utf8.exists() and result.cp1252.exists():
        return result
    catalogue = default_catalogue()
    per_establishment = len(catalogue.use_cases) * len(catalogue.kpis) * len(MONTHS)
    count = -(-rows // per_establishment)
    frame = measurement_frame(establishments(count), list(catalogue.use_cases), MONTHS, catalogue, 7)
    frame = frame.head(rows)
    write_utf8(frame, result.utf8)
    write_cp1252(frame, result.cp1252)
    return result


def national_inbox(files: int) -> Path:
    """`files` establishments, each dropping one quarter file (5 use cases x 13 KPIs x 3 months = 195 rows)
    in inbox/<FINESS>/. Returns the template data root; copy it before each run (ingest consumes it).
    """
    root = CACHE / f"national-{GENERATOR_VERSION}-{files}"
    if (root / "inbox").is_dir():
        return root
    catalogue = default_catalogue()
    use_cases = list(catalogue.use_cases)
    tmp = root.with_name(root.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    all_finess = establishments(files)
    frame = measurement_frame(all_finess, use_cases[:5], MONTHS[-3:], catalogue, 11)
    for index, (finess,), part in _partitions(frame):
        chosen = use_cases[(index * 5) % 15 : (index * 5) % 15 + 5]  # spread establishments over use cases
        part = part.with_columns(pl.col("cas_usage").replace(dict(zip(use_cases[:5], chosen, strict=True))))
        write_utf8(part, tmp / "inbox" / str(finess) / f"kpi_{BENCH_QUARTER}.csv")
    tmp.rename(root)
    return root


def _partitions(frame: pl.DataFrame):  # type: ignore[no-untyped-def]
    for index, (key, part) in enumerate(
        frame.partition_by("finess", as_dict=True, maintain_order=True).items()
    ):
        yield index, key, part


def small_file(rows: int = 200) -> Path:
    """One establishment's file of about `rows` rows, for the cold `tlkpi check`."""
    path = CACHE / f"small-{GENERATOR_VERSION}" / "kpi_200.csv"
    if not path.exists():
        catalogue = default_catalogue()
        frame = measurement_frame(establishments(1), list(catalogue.use_cases)[:6], MONTHS[-3:], catalogue, 3)
        write_utf8(frame.head(rows), path)
    return path


def fresh_copy(template: Path, target: Path) -> Path:
    """A throwaway data root copied from a template (the inbox is consumed by each ingest).

    Real copies: intake refuses a file with other hard links unread (`fichier_non_regulier`), as it
    would an establishment's link to a file elsewhere, so a linked inbox would time 100 % refusals.
    """
    set_aside(target)
    shutil.copytree(template, target)
    return target
