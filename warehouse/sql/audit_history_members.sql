-- The experimentations of the recorded editions, for the KPIs whose rows the joint audit needs.
SELECT quarter, edition, kpi, use_case, finess, peer_group, pilot, numerator, denominator,
       meets_threshold, improved, baseline, baseline_numerator, baseline_denominator, low, high
FROM edition_audit_member
WHERE NOT (quarter = $quarter AND edition = $number) AND list_contains($kpis, kpi)
ORDER BY quarter, edition, kpi, use_case, finess
