-- The baseline populations of the peer-group rows of every edition ($quarter's own included), from the
-- joint audit's member records (each experimentation with a reference value, in the group the register
-- gave it then), with the baseline mean each group row published (NULL: withheld). ENSEMBLE's population
-- is the union of its use cases'. Editions frozen before the peer groups have no such rows.
WITH members AS (
    SELECT quarter, edition, use_case, kpi, peer_group, use_case || '/' || finess AS member
    FROM edition_audit_member
    WHERE baseline IS NOT NULL AND $quarter IS NOT NULL
),
cells AS (
    SELECT quarter, edition, use_case, kpi, peer_group, list(member ORDER BY member) AS members
    FROM members
    GROUP BY quarter, edition, use_case, kpi, peer_group
    UNION ALL
    SELECT quarter, edition, 'ENSEMBLE' AS use_case, kpi, peer_group, list(member ORDER BY member) AS members
    FROM members
    GROUP BY quarter, edition, kpi, peer_group
)
SELECT c.quarter, c.edition, c.use_case, c.kpi, c.peer_group, c.members, b.baseline_mean
FROM cells c
JOIN edition_peer_benchmark b
  ON b.quarter = c.quarter AND b.edition = c.edition AND b.use_case = c.use_case AND b.kpi = c.kpi
 AND b.peer_group = c.peer_group
ORDER BY c.quarter, c.edition, c.use_case, c.kpi, c.peer_group
