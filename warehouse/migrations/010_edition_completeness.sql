-- What an edition says about completeness is frozen with it, so that `tlkpi quarter Q --edition N`
-- re-renders edition N's index exactly, however the quarter's files have moved since.
CREATE TABLE edition_completeness (
    quarter  VARCHAR NOT NULL,
    number   INTEGER NOT NULL,
    complet  INTEGER NOT NULL,
    partiel  INTEGER NOT NULL,
    absent   INTEGER NOT NULL,
    total    INTEGER NOT NULL,
    PRIMARY KEY (quarter, number)
);
