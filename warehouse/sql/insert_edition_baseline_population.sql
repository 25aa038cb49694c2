-- The baseline populations of a new edition's cells, from the registered Arrow table incoming_rows.
INSERT INTO edition_baseline_population BY NAME SELECT * FROM incoming_rows
