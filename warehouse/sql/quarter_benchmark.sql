-- The benchmark cells of one quarter with the labels of their use case, domain and KPI.
-- LEFT JOINs: a code missing from the reference tables keeps its row, labelled by its code.
SELECT
    m.quarter,
    m.use_case,
    coalesce(u.label, m.use_case) AS use_case_label,
    coalesce(u.illustrative, false) AS use_case_illustrative,
    m.domain,
    coalesce(d.label, m.domain) AS domain_label,
    m.kpi,
    coalesce(k.label, m.kpi) AS kpi_label,
    m.unit,
    m.kind,
    m.direction,
    m.n_establishments,
    m.n_experimentations,
    m.n_patients,
    m.threshold,
    m.baseline_median,
    m.pilot_median,
    m.pilot_p25,
    m.pilot_p75,
    m.pooled_rate,
    m.share_improved,
    m.threshold_met
FROM mart_kpi_quarter m
LEFT JOIN use_case u ON u.code = m.use_case
LEFT JOIN domain d ON d.code = m.domain
LEFT JOIN kpi k ON k.code = m.kpi
WHERE m.quarter = $quarter
ORDER BY m.use_case, m.domain, m.kpi
