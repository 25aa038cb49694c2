-- Contributions of a new edition, from the registered Arrow table incoming_rows.
INSERT INTO edition_contribution BY NAME SELECT * FROM incoming_rows
