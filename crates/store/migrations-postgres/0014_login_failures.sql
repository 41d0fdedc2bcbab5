-- PostgreSQL form of migrations/0014_login_failures.sql: failed logins of an account from one
-- client, counted where every instance sees them. Same meaning as the SQLite form.
CREATE TABLE login_failures (
    username TEXT NOT NULL,
    client TEXT NOT NULL,
    failures INTEGER NOT NULL,
    first_at TEXT NOT NULL,
    PRIMARY KEY (username, client)
);
CREATE INDEX login_failures_first_at ON login_failures (first_at);
