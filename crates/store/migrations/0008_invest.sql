-- Investment attraction (招商引资): the projects pipeline of every city and zone, each
-- project's stages with the day it reached each, and its timeline in the layout of tasks'.
--
-- First, the registry learns the cross-border e-commerce comprehensive pilot zones
-- (zone_type 'cbec'), which the zone assessment already knows. Widening a CHECK constraint
-- changes no stored row, so SQLite's documented procedure for it applies: the table's
-- declaration is edited in place (PRAGMA writable_schema); RESET makes this connection read
-- it again, and the DDL below bumps the schema cookie, which makes every other connection do
-- the same. PostgreSQL's migration drops and re-adds the constraint instead.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql,
    'zone_type IN (''etdz'', ''hitech'', ''bonded'', ''border'', ''newarea'', ''pilot'')',
    'zone_type IN (''etdz'', ''hitech'', ''bonded'', ''border'', ''newarea'', ''pilot'', ''cbec'')')
WHERE type = 'table' AND name = 'organisations';
PRAGMA writable_schema = RESET;

CREATE TABLE invest_projects (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL,
    investor         TEXT NOT NULL,
    -- ISO 3166-1 alpha-2 of the investor's country or region; CN for domestic investors.
    country          TEXT NOT NULL,
    foreign_funded   BOOLEAN NOT NULL,
    uscc             TEXT,
    -- The investor as an enterprise of the registry, when it is one (problems become its appeals).
    investor_org_id  INTEGER REFERENCES organisations (id),
    -- GB/T 4754-2017 code (section letter or 2 to 4 digits).
    industry         TEXT NOT NULL,
    -- In ten thousands of `currency` (万元 / 万美元).
    amount           REAL NOT NULL CHECK (amount >= 0),
    currency         TEXT NOT NULL CHECK (currency IN ('CNY', 'USD')),
    arrived          REAL CHECK (arrived IS NULL OR arrived >= 0),
    city_org_id      INTEGER NOT NULL REFERENCES organisations (id),
    zone_org_id      INTEGER REFERENCES organisations (id),
    lead_org_id      INTEGER NOT NULL REFERENCES organisations (id),
    stage            TEXT NOT NULL CHECK (stage IN ('lead', 'negotiating', 'signed', 'registered', 'construction', 'funds_arrived', 'production', 'dropped')),
    -- The day it reached its current stage.
    stage_on         TEXT NOT NULL,
    drop_reason      TEXT,
    -- The negative-list edition it was checked against when entered, and the answer.
    negative_list    TEXT NOT NULL,
    negative_verdict TEXT NOT NULL CHECK (negative_verdict IN ('prohibited', 'restricted', 'not_listed')),
    negative_items   TEXT NOT NULL DEFAULT '[]',
    note             TEXT NOT NULL DEFAULT '',
    synthetic        BOOLEAN NOT NULL,
    version          INTEGER NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX invest_projects_city ON invest_projects (city_org_id);
CREATE INDEX invest_projects_zone ON invest_projects (zone_org_id);
CREATE INDEX invest_projects_lead ON invest_projects (lead_org_id);

-- The day each stage was reached; a step that passes over stages reaches them on its day.
CREATE TABLE invest_project_stages (
    project_id  INTEGER NOT NULL REFERENCES invest_projects (id),
    stage       TEXT NOT NULL,
    reached_on  TEXT NOT NULL,
    PRIMARY KEY (project_id, stage)
);

CREATE TABLE invest_project_events (
    id           INTEGER PRIMARY KEY,
    project_id   INTEGER NOT NULL REFERENCES invest_projects (id),
    at           TEXT NOT NULL,
    user_id      INTEGER REFERENCES users (id),
    actor        TEXT NOT NULL,
    org_id       INTEGER REFERENCES organisations (id),
    kind         TEXT NOT NULL,
    body         TEXT NOT NULL DEFAULT '',
    data         TEXT NOT NULL DEFAULT '{}',
    attachments  TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX invest_project_events_project ON invest_project_events (project_id);

CREATE TRIGGER invest_projects_no_delete BEFORE DELETE ON invest_projects
BEGIN
    SELECT RAISE(ABORT, 'investment projects are kept: drop a project with a reason instead');
END;

CREATE TRIGGER invest_project_stages_no_update BEFORE UPDATE ON invest_project_stages
BEGIN
    SELECT RAISE(ABORT, 'the day a project reached a stage is history');
END;

CREATE TRIGGER invest_project_events_no_update BEFORE UPDATE ON invest_project_events
BEGIN
    SELECT RAISE(ABORT, 'a project''s timeline is append-only');
END;

CREATE TRIGGER invest_project_events_no_delete BEFORE DELETE ON invest_project_events
BEGIN
    SELECT RAISE(ABORT, 'a project''s timeline is append-only');
END;
