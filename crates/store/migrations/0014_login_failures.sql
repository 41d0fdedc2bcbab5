-- Failed logins of an account from one client (an IPv4 address, or an IPv6 /64), counted in
-- the database so that every instance sharing it refuses the same guesser. Each instance also
-- counts in memory, but a guesser spread by a load balancer over several instances would
-- otherwise get that many more tries. A row whose window (`first_at` + the configured window)
-- has passed counts from one again; a successful login removes it.
CREATE TABLE login_failures (
    username TEXT NOT NULL,
    client TEXT NOT NULL,
    failures INTEGER NOT NULL,
    first_at TEXT NOT NULL,
    PRIMARY KEY (username, client)
);
CREATE INDEX login_failures_first_at ON login_failures (first_at);
