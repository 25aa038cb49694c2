-- Peer-group rows of a new edition, from the registered Arrow table incoming_rows.
INSERT INTO edition_peer_benchmark BY NAME SELECT * FROM incoming_rows
