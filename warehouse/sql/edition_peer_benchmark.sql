-- The frozen peer-group rows of an edition: groups in code order, then as the national rows.
SELECT * FROM edition_peer_benchmark
WHERE quarter = $quarter AND edition = $number
ORDER BY peer_group, use_case = 'ENSEMBLE', use_case, domain, kpi
