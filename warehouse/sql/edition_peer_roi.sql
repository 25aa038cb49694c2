-- The frozen peer-group ROI rows of an edition: groups in code order, ENSEMBLE last in each.
SELECT * FROM edition_peer_roi
WHERE quarter = $quarter AND edition = $number
ORDER BY peer_group, use_case = 'ENSEMBLE', use_case
