-- The programme's calendar (reference/experimentations.csv): when each experimentation (establishment x
-- use case) is expected to report. Empty when there is no calendar: every experimentation seen is expected.
CREATE TABLE experimentation_calendar (
    finess        VARCHAR NOT NULL,
    use_case      VARCHAR NOT NULL,
    start_quarter VARCHAR NOT NULL,
    end_quarter   VARCHAR,
    PRIMARY KEY (finess, use_case)
);
