-- Record a new edition of a quarter.
INSERT INTO edition BY NAME
SELECT $quarter AS quarter, $number AS number, $as_of AS as_of, $n_submissions AS n_submissions,
       $n_establishments AS n_establishments, $n_experimentations AS n_experimentations,
       $n_measurements AS n_measurements, $fingerprint AS fingerprint,
       $min_establishments AS min_establishments, $min_patients AS min_patients,
       $max_dominance AS max_dominance, $min_position AS min_position,
       $min_extreme_position AS min_extreme_position, $protection_level AS protection_level,
       $p_percent AS p_percent, $min_share AS min_share, $min_series_change AS min_series_change,
       $lake_snapshot::BIGINT AS lake_snapshot
