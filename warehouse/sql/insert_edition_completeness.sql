-- Freeze the completeness counts of a new edition (completeness_counts.sql at the time of freezing).
INSERT INTO edition_completeness (quarter, number, complet, partiel, absent, total)
VALUES ($quarter, $number, $complet, $partiel, $absent, $total)
