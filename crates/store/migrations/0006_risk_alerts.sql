-- Risk watch alerts (风险预警): one row per indicator × subject × period whose reading reached
-- a warning level, with its life from raised to closed or dismissed, and its timeline in the
-- layout of tasks' and appeals'. Nothing is deleted: an alert that is over stays as history.
CREATE TABLE risk_alerts (
    id             INTEGER PRIMARY KEY,
    indicator      TEXT NOT NULL,
    subject        TEXT NOT NULL,
    subject_zh     TEXT NOT NULL,
    subject_en     TEXT NOT NULL,
    period         TEXT NOT NULL,
    -- The highest level any evaluation gave it, and the latest evaluation's.
    level          TEXT NOT NULL,
    current_level  TEXT NOT NULL,
    value          REAL NOT NULL,
    threshold      REAL,
    synthetic      BOOLEAN NOT NULL,
    state          TEXT NOT NULL,
    owner_org_id   INTEGER REFERENCES organisations (id),
    task_id        INTEGER REFERENCES tasks (id),
    version        INTEGER NOT NULL,
    raised_at      TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (indicator, subject, period)
);
CREATE INDEX risk_alerts_state ON risk_alerts (state);

CREATE TABLE risk_alert_events (
    id           INTEGER PRIMARY KEY,
    alert_id     INTEGER NOT NULL REFERENCES risk_alerts (id),
    at           TEXT NOT NULL,
    user_id      INTEGER REFERENCES users (id),
    actor        TEXT NOT NULL,
    org_id       INTEGER REFERENCES organisations (id),
    kind         TEXT NOT NULL,
    body         TEXT NOT NULL DEFAULT '',
    data         TEXT NOT NULL DEFAULT '{}',
    attachments  TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX risk_alert_events_alert ON risk_alert_events (alert_id);

CREATE TRIGGER risk_alerts_no_delete BEFORE DELETE ON risk_alerts
BEGIN
    SELECT RAISE(ABORT, 'risk alerts are history and are never deleted');
END;

CREATE TRIGGER risk_alert_events_no_update BEFORE UPDATE ON risk_alert_events
BEGIN
    SELECT RAISE(ABORT, 'an alert''s timeline is append-only');
END;

CREATE TRIGGER risk_alert_events_no_delete BEFORE DELETE ON risk_alert_events
BEGIN
    SELECT RAISE(ABORT, 'an alert''s timeline is append-only');
END;
