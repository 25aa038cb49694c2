-- The accepted submissions an edition of a quarter rests on: those holding a value in effect for a
-- period up to that quarter (pilot values of the quarter and before, reference values up to it).
SELECT s.id AS submission_id, s.sha256, s.received_at
FROM submission s
WHERE s.status = 'accepted'
  AND EXISTS (
      SELECT 1 FROM measurement_latest m WHERE m.submission_id = s.id AND m.quarter <= $quarter)
ORDER BY s.id
