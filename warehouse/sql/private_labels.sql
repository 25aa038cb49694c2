-- What the private reports name: KPIs (with unit and direction), use cases, domains, establishments.
-- One row per code, `kind` saying which table it comes from.
SELECT 'kpi' AS kind, code, label, unit, direction FROM kpi
UNION ALL SELECT 'use_case', code, label, NULL, NULL FROM use_case
UNION ALL SELECT 'domain', code, label, NULL, NULL FROM domain
UNION ALL SELECT 'establishment', finess, name, NULL, NULL FROM establishment
ORDER BY kind, code
