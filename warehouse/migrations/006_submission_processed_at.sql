-- When the pipeline settled each file (received_at is when it landed in the inbox): `tlkpi status`
-- shows the last runs from it.
ALTER TABLE submission ADD COLUMN processed_at TIMESTAMP;
