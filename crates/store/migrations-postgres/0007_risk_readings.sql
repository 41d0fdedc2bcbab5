-- PostgreSQL form of migrations/0007_risk_readings.sql: the readings each alert evaluation took,
-- one row per indicator × subject × period, which the indicators' charts draw.
--
-- Differences from the SQLite form: REAL is DOUBLE PRECISION (the same 8-byte float).

CREATE TABLE risk_readings (
    indicator     TEXT NOT NULL,
    subject       TEXT NOT NULL,
    subject_zh    TEXT NOT NULL,
    subject_en    TEXT NOT NULL,
    period        TEXT NOT NULL,
    value         DOUBLE PRECISION NOT NULL,
    level         TEXT NOT NULL,
    threshold     DOUBLE PRECISION,
    synthetic     BOOLEAN NOT NULL,
    evaluated_at  TEXT NOT NULL,
    PRIMARY KEY (indicator, subject, period)
);
