-- The experimentations behind an edition's cells, for the joint audit (from incoming_rows).
INSERT INTO edition_audit_member BY NAME SELECT * FROM incoming_rows
