-- The editions a published edition's trend rests on: for every earlier quarter, its latest edition
-- frozen no later than this one; for the edition's own quarter, the edition itself. So re-rendering
-- edition N later shows what edition N showed, whatever has been published since.
WITH this AS (
    SELECT frozen_at FROM edition WHERE quarter = $quarter AND number = $number
)
SELECT e.quarter, max(e.number) AS number
FROM edition AS e, this
WHERE e.quarter < $quarter AND e.frozen_at <= this.frozen_at
GROUP BY e.quarter
UNION ALL
SELECT $quarter AS quarter, $number AS number
ORDER BY quarter
