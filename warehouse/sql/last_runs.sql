-- The last ingest runs: when they settled files, and what they decided.
SELECT
    coalesce(flow_run_id, '(hors Prefect)') AS run,
    max(processed_at) AS finished_at,
    count(*) FILTER (WHERE status = 'accepted') AS accepted,
    count(*) FILTER (WHERE status = 'rejected') AS rejected
FROM submission
WHERE processed_at IS NOT NULL
GROUP BY flow_run_id
ORDER BY finished_at DESC
LIMIT $limit
