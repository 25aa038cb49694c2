-- The published and protected figures of an edition's rows, for the joint audit (from incoming_rows).
INSERT INTO edition_audit_row BY NAME SELECT * FROM incoming_rows
