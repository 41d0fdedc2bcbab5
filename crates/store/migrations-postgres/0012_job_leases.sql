-- PostgreSQL form of migrations/0012_job_leases.sql: a job's lease, renewed by the instance
-- running the job, so that instances sharing the database can tell a job whose instance
-- stopped from one still running elsewhere. Same meaning as the SQLite form.
ALTER TABLE jobs ADD COLUMN lease_until TEXT;
-- A cancellation asked of an instance that does not run the job: the running instance sees it
-- when it next renews the lease.
ALTER TABLE jobs ADD COLUMN cancel_requested BOOLEAN NOT NULL DEFAULT FALSE;
