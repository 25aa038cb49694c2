-- The input files of a frozen edition (for its public manifest): content hashes only, no names.
SELECT submission_id, sha256, received_at
FROM edition_submission
WHERE quarter = $quarter AND number = $number
ORDER BY submission_id
