-- A job's lease: the instance running a job renews it while the job is queued or running, so
-- that where several instances share one database, a job whose instance stopped is told from
-- one that another instance is still running, and concluded by whichever instance sees it
-- first. (With SQLite there is one process; it concludes every unfinished job at its start.)
ALTER TABLE jobs ADD COLUMN lease_until TEXT;
-- A cancellation asked of an instance that does not run the job: the running instance sees it
-- when it next renews the lease.
ALTER TABLE jobs ADD COLUMN cancel_requested BOOLEAN NOT NULL DEFAULT FALSE;
