-- Directives supervision (督查督办), enterprise appeals (诉求办理), the roundtable for
-- foreign-funded enterprises, and in-app notifications.
--
-- Every table that people edit concurrently carries `version`: an update names the version it
-- read, and loses (409 with the current state) if someone else changed the row since.
-- Dates without a time (deadlines, filing days) are ISO 8601 `YYYY-MM-DD` text.

ALTER TABLE users ADD COLUMN email TEXT;

CREATE TABLE meetings (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL,
    held_on     TEXT NOT NULL,
    chair       TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE directives (
    id          INTEGER PRIMARY KEY,
    meeting_id  INTEGER NOT NULL REFERENCES meetings (id),
    code        TEXT NOT NULL,
    title       TEXT NOT NULL,
    -- The words of the meeting the directive comes from.
    quote       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (meeting_id, code)
);

CREATE TABLE tasks (
    id                 INTEGER PRIMARY KEY,
    directive_id       INTEGER NOT NULL REFERENCES directives (id),
    title              TEXT NOT NULL,
    description        TEXT NOT NULL DEFAULT '',
    lead_org_id        INTEGER NOT NULL REFERENCES organisations (id),
    issued_on          TEXT NOT NULL,
    deadline           TEXT NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('issued', 'signed_for', 'in_progress', 'submitted', 'returned', 'closed')),
    extension_until    TEXT,
    extension_reason   TEXT,
    closed_on          TEXT,
    version            INTEGER NOT NULL DEFAULT 1,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX tasks_lead ON tasks (lead_org_id);
CREATE INDEX tasks_directive ON tasks (directive_id);

CREATE TABLE task_co_orgs (
    task_id  INTEGER NOT NULL REFERENCES tasks (id),
    org_id   INTEGER NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (task_id, org_id)
);
CREATE INDEX task_co_orgs_org ON task_co_orgs (org_id);

CREATE TABLE milestones (
    id        INTEGER PRIMARY KEY,
    task_id   INTEGER NOT NULL REFERENCES tasks (id),
    title     TEXT NOT NULL,
    due_on    TEXT NOT NULL,
    done_on   TEXT
);
CREATE INDEX milestones_task ON milestones (task_id);

-- The timeline of a task: every transition, progress report and comment, in order.
CREATE TABLE task_events (
    id           INTEGER PRIMARY KEY,
    task_id      INTEGER NOT NULL REFERENCES tasks (id),
    at           TEXT NOT NULL,
    user_id      INTEGER REFERENCES users (id),
    actor        TEXT NOT NULL,
    org_id       INTEGER REFERENCES organisations (id),
    kind         TEXT NOT NULL,
    body         TEXT NOT NULL DEFAULT '',
    data         TEXT NOT NULL DEFAULT '{}',
    attachments  TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX task_events_task ON task_events (task_id);

CREATE TABLE appeals (
    id                 INTEGER PRIMARY KEY,
    enterprise_org_id  INTEGER NOT NULL REFERENCES organisations (id),
    category           TEXT NOT NULL,
    title              TEXT NOT NULL,
    description        TEXT NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('filed', 'accepted', 'rejected', 'assigned', 'answered', 'rated')),
    filed_on           TEXT NOT NULL,
    accepted_on        TEXT,
    assigned_org_id    INTEGER REFERENCES organisations (id),
    answered_on        TEXT,
    answer             TEXT,
    reject_reason      TEXT,
    score              INTEGER CHECK (score IS NULL OR score BETWEEN 1 AND 5),
    closed_on          TEXT,
    version            INTEGER NOT NULL DEFAULT 1,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX appeals_enterprise ON appeals (enterprise_org_id);
CREATE INDEX appeals_assigned ON appeals (assigned_org_id);

CREATE TABLE appeal_events (
    id           INTEGER PRIMARY KEY,
    appeal_id    INTEGER NOT NULL REFERENCES appeals (id),
    at           TEXT NOT NULL,
    user_id      INTEGER REFERENCES users (id),
    actor        TEXT NOT NULL,
    org_id       INTEGER REFERENCES organisations (id),
    kind         TEXT NOT NULL,
    body         TEXT NOT NULL DEFAULT '',
    data         TEXT NOT NULL DEFAULT '{}',
    attachments  TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX appeal_events_appeal ON appeal_events (appeal_id);

CREATE TABLE roundtables (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL,
    held_on     TEXT NOT NULL,
    minutes     TEXT NOT NULL DEFAULT '',
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE roundtable_items (
    id             INTEGER PRIMARY KEY,
    roundtable_id  INTEGER NOT NULL REFERENCES roundtables (id),
    position       INTEGER NOT NULL,
    title          TEXT NOT NULL,
    appeal_id      INTEGER REFERENCES appeals (id)
);
CREATE INDEX roundtable_items_rt ON roundtable_items (roundtable_id);

-- One row per recipient. `dedupe` makes a reminder idempotent: the sweep that finds a task
-- due soon may run many times, the reminder is sent once.
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    at          TEXT NOT NULL,
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    link        TEXT NOT NULL DEFAULT '',
    dedupe      TEXT,
    read_at     TEXT,
    emailed_at  TEXT,
    UNIQUE (user_id, dedupe)
);
CREATE INDEX notifications_user ON notifications (user_id, read_at);
