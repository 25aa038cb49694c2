-- Ids without sequences (a DuckLake has none, and several workers load at once): each writing
-- transaction takes a block of ids by raising `next_id`. On a lake two loads that raise it at once
-- conflict, so one retries on the other's committed data: ids never repeat and a key never gets two
-- values in effect. The sequences of 002 stay on the file, unused.
CREATE TABLE id_block (
    name    VARCHAR NOT NULL,
    next_id BIGINT NOT NULL
);

INSERT INTO id_block SELECT 'submission', coalesce(max(id), 0) + 1 FROM submission;
INSERT INTO id_block SELECT 'measurement', coalesce(max(id), 0) + 1 FROM measurement;

-- The lake snapshot an edition was computed from (NULL on the DuckDB file, which keeps no history):
-- re-rendering the edition reads that snapshot, whatever was loaded since.
ALTER TABLE edition ADD COLUMN lake_snapshot BIGINT;
