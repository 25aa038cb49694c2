-- The euro amounts behind the recorded editions' ROI rows.
SELECT quarter, edition, use_case, finess, peer_group, kpi, pilot_quarter, value, low, high, positive
FROM edition_audit_roi_part
WHERE NOT (quarter = $quarter AND edition = $number)
ORDER BY quarter, edition, use_case, finess, kpi, pilot_quarter
