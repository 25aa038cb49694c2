-- The last quarter runs that froze an edition, newest first.
SELECT quarter, number, as_of, frozen_at, n_submissions, n_establishments
FROM edition
ORDER BY frozen_at DESC, quarter DESC, number DESC
LIMIT $limit
