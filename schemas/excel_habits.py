"""What a spreadsheet does to codes a clerk types, undone where there is no doubt.

Excel takes a FINESS typed in a General cell for a number and drops its leading zero ('010780195'
becomes '10780195'). When the cell is exactly the FINESS of the establishment's own folder (or portal
session) without that zero, it can only be that FINESS: it is restored, and the verdict says so.
"""

from __future__ import annotations

import polars as pl

from schemas.code_rules import INBOX_COLUMN

RESTORED = "_finess_zero_restored"


def restore_finess_zero(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with the FINESS restored where it is the folder's FINESS less its leading zero, and a
    boolean column RESTORED marking those rows."""
    inbox = pl.col(INBOX_COLUMN)
    restored = (inbox.str.starts_with("0") & (pl.col("finess") == inbox.str.slice(1))).fill_null(False)
    return frame.with_columns(restored.alias(RESTORED)).with_columns(
        pl.when(pl.col(RESTORED)).then(inbox).otherwise(pl.col("finess")).alias("finess")
    )
