-- The baseline populations recorded for the cells of every quarter ($quarter's own editions included), with
-- the baseline mean each edition published for the cell (NULL: withheld; a remainder 'ENSEMBLE~' has
-- none). ENSEMBLE's population is not stored: it is the union of its use cases'.
WITH cells AS (
    SELECT quarter, edition, use_case, kpi, list(member ORDER BY member) AS members
    FROM edition_baseline_population
    WHERE $quarter IS NOT NULL
    GROUP BY quarter, edition, use_case, kpi
),
totals AS (
    SELECT quarter, edition, 'ENSEMBLE' AS use_case, kpi, flatten(list(members)) AS members
    FROM cells
    WHERE use_case <> 'ENSEMBLE~'
    GROUP BY quarter, edition, kpi
)
SELECT c.quarter, c.edition, c.use_case, c.kpi, c.members, b.baseline_mean
FROM (SELECT * FROM cells UNION ALL SELECT * FROM totals) c
LEFT JOIN edition_benchmark b
  ON b.quarter = c.quarter AND b.edition = c.edition AND b.use_case = c.use_case AND b.kpi = c.kpi
ORDER BY c.quarter, c.edition, c.use_case, c.kpi
