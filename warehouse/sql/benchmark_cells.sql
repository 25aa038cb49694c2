-- The benchmark of one quarter before disclosure control, labelled, in a stable order
-- (use case code with ENSEMBLE last, domain, KPI code).
SELECT
    m.*,
    CASE WHEN m.is_total THEN 'Ensemble des cas d''usage' ELSE coalesce(u.label, m.use_case) END
        AS use_case_label,
    coalesce(u.illustrative, false) AS use_case_illustrative,
    coalesce(d.label, m.domain) AS domain_label,
    coalesce(k.label, m.kpi) AS kpi_label
FROM mart_kpi_quarter m
LEFT JOIN use_case u ON u.code = m.use_case
LEFT JOIN domain d ON d.code = m.domain
LEFT JOIN kpi k ON k.code = m.kpi
WHERE m.quarter = $quarter
ORDER BY m.is_total, m.use_case, m.domain, m.kpi
