-- PostgreSQL form of migrations/0004_hardening.sql: API tokens expire and may be read-only,
-- sessions end when left idle, mail is claimed before it is sent, and the audit log refuses
-- every change to its rows.
--
-- Differences from the SQLite form:
-- * The expiry backfill computes "now + 90 days" in UTC with PostgreSQL's date functions and
--   writes it in the same text layout as SQLite's strftime (whole seconds, then `.000000Z`).
--   now() is the transaction's start rather than the statement's; for a 90-day lifetime the
--   difference does not matter.
-- * SQLite's `SELECT RAISE(ABORT, msg)` trigger bodies become kaifang_refuse(), one shared
--   function that raises its first trigger argument as the error message (SQLSTATE P0001), so
--   every refusing trigger of this and later migrations keeps its SQLite name and message. On
--   PostgreSQL the error leaves the whole transaction aborted, where RAISE(ABORT) undoes only
--   the statement and lets the transaction go on; code that continues a transaction after
--   such an error would behave differently.
-- * Row-level triggers do not see TRUNCATE, which SQLite does not have: TRUNCATE of the audit
--   log is left to privileges (the application's role should not own the tables).

-- Tokens made before expiry existed get the default lifetime from the upgrade on; an empty
-- expiry (a row written without one) sorts before every timestamp and authenticates nobody.
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT NOT NULL DEFAULT '';
ALTER TABLE api_tokens ADD COLUMN read_only BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE api_tokens
SET expires_at = to_char((now() AT TIME ZONE 'UTC') + INTERVAL '90 days', 'YYYY-MM-DD"T"HH24:MI:SS') || '.000000Z';

-- A session unused for `auth.session_idle_minutes` is refused.
ALTER TABLE sessions ADD COLUMN last_seen_at TEXT NOT NULL DEFAULT '';
UPDATE sessions SET last_seen_at = created_at;

-- Set when a mail is claimed, before the relay is asked; a permanent refusal is kept here.
ALTER TABLE notifications ADD COLUMN mail_error TEXT;

-- Raises TG_ARGV[0] as the error message: the body shared by every refusing trigger.
CREATE FUNCTION kaifang_refuse() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0];
END;
$$;

-- The audit log is append-only in the database itself, not only by the store's API.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION kaifang_refuse('the audit log is append-only');

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION kaifang_refuse('the audit log is append-only');
