
SELECT count(*) FROM (SELECT 1 FROM batch_measurement GROUP BY finess, use_case, kpi, period, phase HAVING count(*) > 1)
