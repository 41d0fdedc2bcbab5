-- Development zones' yearly data (开发区年度数据报送): one submission per zone and year, its
-- values, and its history. Zone codes are those of data/zones.csv (the registry is compiled
-- into the program, so there is no table to reference).
--
-- `version` guards concurrent edits as in 0002: an update names the version it read.

CREATE TABLE zone_submissions (
    id            INTEGER PRIMARY KEY,
    zone_code     TEXT NOT NULL,
    year          INTEGER NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'approved', 'returned')),
    version       INTEGER NOT NULL DEFAULT 1,
    created_by    TEXT NOT NULL,
    submitted_by  TEXT,
    submitted_at  TEXT,
    reviewed_by   TEXT,
    reviewed_at   TEXT,
    -- The reason of the latest return.
    reason        TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (zone_code, year)
);
CREATE INDEX zone_submissions_state ON zone_submissions (state, year);

CREATE TABLE zone_submission_values (
    submission_id  INTEGER NOT NULL REFERENCES zone_submissions (id),
    indicator      TEXT NOT NULL,
    value          REAL NOT NULL,
    note           TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (submission_id, indicator)
);

-- Every save, submission, approval and return, in order.
CREATE TABLE zone_submission_events (
    id             INTEGER PRIMARY KEY,
    submission_id  INTEGER NOT NULL REFERENCES zone_submissions (id),
    at             TEXT NOT NULL,
    user_id        INTEGER REFERENCES users (id),
    actor          TEXT NOT NULL,
    kind           TEXT NOT NULL,
    from_state     TEXT,
    to_state       TEXT NOT NULL,
    body           TEXT NOT NULL DEFAULT '',
    version        INTEGER NOT NULL
);
CREATE INDEX zone_submission_events_submission ON zone_submission_events (submission_id);
