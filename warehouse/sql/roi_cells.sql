-- The ROI distribution of one quarter per use case (ENSEMBLE last), before disclosure control.
SELECT
    r.*,
    CASE WHEN r.is_total THEN 'Ensemble des cas d''usage' ELSE coalesce(u.label, r.use_case) END
        AS use_case_label
FROM mart_roi_quarter r
LEFT JOIN use_case u ON u.code = r.use_case
WHERE r.quarter = $quarter
ORDER BY r.is_total, r.use_case
