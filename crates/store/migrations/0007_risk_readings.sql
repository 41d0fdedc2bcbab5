-- Every reading an evaluation that raises alerts took, one row per indicator × subject ×
-- period (the latest evaluation of a period replaces the earlier): the history each
-- indicator's chart draws against its thresholds.
CREATE TABLE risk_readings (
    indicator     TEXT NOT NULL,
    subject       TEXT NOT NULL,
    subject_zh    TEXT NOT NULL,
    subject_en    TEXT NOT NULL,
    period        TEXT NOT NULL,
    value         REAL NOT NULL,
    level         TEXT NOT NULL,
    threshold     REAL,
    synthetic     BOOLEAN NOT NULL,
    evaluated_at  TEXT NOT NULL,
    PRIMARY KEY (indicator, subject, period)
);
