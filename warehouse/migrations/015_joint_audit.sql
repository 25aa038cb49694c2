-- Issue 21: the joint disclosure audit (disclosure/joint.py). What each edition published, as the
-- attacker's linear system sees it, so that the audit of a later edition includes every table already
-- published: each experimentation's figures per cell (the unknowns), the ROI's euro amounts per pilot
-- quarter, and each published or protected figure of each row. Internal, never published.
CREATE TABLE edition_audit_member (
    quarter VARCHAR NOT NULL,
    edition INTEGER NOT NULL,
    kpi VARCHAR NOT NULL,
    use_case VARCHAR NOT NULL,
    finess VARCHAR NOT NULL,
    peer_group VARCHAR NOT NULL,  -- the register's category then ('NC' when unknown)
    pilot DOUBLE,
    numerator DOUBLE,
    denominator DOUBLE,
    meets_threshold BOOLEAN,
    improved BOOLEAN,
    baseline DOUBLE,
    baseline_numerator DOUBLE,
    baseline_denominator DOUBLE,
    low DOUBLE NOT NULL,  -- what anyone knows bounds one experimentation's value (the KPI's range)
    high DOUBLE NOT NULL
);

CREATE TABLE edition_audit_roi_part (
    quarter VARCHAR NOT NULL,
    edition INTEGER NOT NULL,
    use_case VARCHAR NOT NULL,
    finess VARCHAR NOT NULL,
    peer_group VARCHAR NOT NULL,
    kpi VARCHAR NOT NULL,  -- ECO_DEPENSES_EVITEES, ECO_RECETTES_NOUVELLES or ECO_COUT_SOLUTION
    pilot_quarter VARCHAR NOT NULL,  -- the ROI of `quarter` sums the amounts of its pilot quarters
    value DOUBLE NOT NULL,
    low DOUBLE NOT NULL,
    high DOUBLE NOT NULL,
    positive BOOLEAN NOT NULL  -- the experimentation's ROI is positive
);

CREATE TABLE edition_audit_row (
    quarter VARCHAR NOT NULL,
    edition INTEGER NOT NULL,
    kpi VARCHAR NOT NULL,  -- 'ROI' for the ROI table
    use_case VARCHAR NOT NULL,  -- ENSEMBLE for the all-use-case row
    peer_group VARCHAR,  -- NULL for the national row
    measure VARCHAR NOT NULL,
    published BOOLEAN NOT NULL,
    protected BOOLEAN NOT NULL,
    ratio DOUBLE  -- the pooled ROI of a 'roi_pooled' row: Σ gains = (1 + ratio) Σ costs
);
