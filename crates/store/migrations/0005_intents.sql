-- Writes that span the database and files (trade imports, backups) announce themselves in the
-- audit log before they start and conclude with a second entry of the same target
-- (`intent:<id>`); a restart looks for announcements without a conclusion. These indexes keep
-- that look-up from reading the whole log.
CREATE INDEX audit_log_action ON audit_log (action);
CREATE INDEX audit_log_target ON audit_log (target);
