-- PostgreSQL form of migrations/0005_intents.sql, identical in meaning: the indexes that let a
-- restart find audit-log announcements (`intent:<id>`) without a conclusion without reading
-- the whole log.
CREATE INDEX audit_log_action ON audit_log (action);
CREATE INDEX audit_log_target ON audit_log (target);
