
INSERT INTO measurement (id, submission_id, source_row, finess, use_case, domain, kpi, period, quarter,
                         phase, value, numerator, denominator, n_patients, comment, superseded)
SELECT id, submission_id, source_row, finess, use_case,
       domain, kpi, period, quarter, phase, value, numerator, denominator, n_patients, comment,
       lead(ord) OVER (PARTITION BY finess, use_case, kpi, period, phase ORDER BY ord) IS NOT NULL OR EXISTS (
           SELECT 1 FROM measurement AS m WHERE NOT m.superseded AND m.finess = i.finess AND m.use_case = i.use_case AND m.kpi = i.kpi AND m.period = i.period AND m.phase = i.phase
       )
FROM batch_measurement AS i
ORDER BY id
