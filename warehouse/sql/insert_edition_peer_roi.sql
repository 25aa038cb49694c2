-- Peer-group ROI rows of a new edition, from the registered Arrow table incoming_rows.
INSERT INTO edition_peer_roi BY NAME SELECT * FROM incoming_rows
