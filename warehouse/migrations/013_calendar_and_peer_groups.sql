-- Issue 24: the programme's calendar and the peer groups.
-- The programme's calendar (reference/experimentations.csv): when each experimentation (establishment x
-- use case) is expected to report. Empty when there is no calendar: every experimentation seen is expected.
CREATE TABLE experimentation_calendar (
    finess        VARCHAR NOT NULL,
    use_case      VARCHAR NOT NULL,
    start_quarter VARCHAR NOT NULL,
    end_quarter   VARCHAR,
    PRIMARY KEY (finess, use_case)
);

-- The peer-group rows of each edition (warehouse/peers.py): the columns of the national rows, and the
-- group (the register's category). Built from the national tables so that their columns stay the same.
CREATE TABLE edition_peer_benchmark AS
SELECT CAST(NULL AS VARCHAR) AS peer_group, * FROM edition_benchmark WHERE false;

CREATE TABLE edition_peer_roi AS
SELECT CAST(NULL AS VARCHAR) AS peer_group, * FROM edition_roi WHERE false;
