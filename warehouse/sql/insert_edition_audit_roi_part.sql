-- The euro amounts behind an edition's ROI rows, for the joint audit (from incoming_rows).
INSERT INTO edition_audit_roi_part BY NAME SELECT * FROM incoming_rows
