-- Every row recorded for the joint audit, every quarter and edition but the one being frozen.
SELECT quarter, edition, kpi, use_case, peer_group, measure, published, protected, ratio
FROM edition_audit_row
WHERE NOT (quarter = $quarter AND edition = $number)
ORDER BY quarter, edition, kpi, use_case, peer_group NULLS FIRST, measure
