-- Hardening: API tokens expire and may be read-only, sessions end when left idle, mail is
-- claimed before it is sent, and the audit log refuses every change to its rows.

-- Tokens made before expiry existed get the default lifetime from the upgrade on, so that
-- machine clients keep working for a while instead of stopping at once. An empty expiry (a
-- row written without one) sorts before every timestamp: such a token authenticates nobody.
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT NOT NULL DEFAULT '';
ALTER TABLE api_tokens ADD COLUMN read_only BOOLEAN NOT NULL DEFAULT FALSE;
-- The one timestamp written by SQL: a backfill, in the application's format (microseconds).
-- The PostgreSQL migration writes the same with its own date functions.
UPDATE api_tokens SET expires_at = strftime('%Y-%m-%dT%H:%M:%S', 'now', '+90 days') || '.000000Z';

-- A session unused for `auth.session_idle_minutes` is refused; the store rewrites this at
-- most once a minute per session.
ALTER TABLE sessions ADD COLUMN last_seen_at TEXT NOT NULL DEFAULT '';
UPDATE sessions SET last_seen_at = created_at;

-- `emailed_at` is now set when the mail is claimed, before the relay is asked: a crash between
-- claim and send loses that mail rather than sending it twice. A permanent refusal by the
-- relay keeps the claim and says why here, so the mail is not tried again.
ALTER TABLE notifications ADD COLUMN mail_error TEXT;

-- The audit log is append-only in the database itself, not only by the store's API: neither a
-- bug nor a hand-typed statement can rewrite or remove an entry.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
