
INSERT INTO measurement (id, submission_id, source_row, finess, use_case, domain, kpi, period, quarter,
                         phase, value, numerator, denominator, n_patients, comment, superseded)
SELECT id, submission_id, source_row, finess, use_case,
       domain, kpi, period, quarter, phase, value, numerator, denominator, n_patients, comment, false
FROM batch_measurement
