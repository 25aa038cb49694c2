-- The ART index on a measurement's key (002) is dropped: DuckDB answers the set-based supersede joins
-- of warehouse/load.py with hash joins and never reads it, yet every insert maintained it (a third
-- of the load time of a 1 M-row file). Measured on the 18 M-row bench warehouse: superseding one
-- establishment's file and reading its history take the same time (30-60 ms) with and without it.
DROP INDEX IF EXISTS measurement_key;
