-- PostgreSQL form of migrations/0013_job_resume.sql: how to run a job again (a JSON
-- description its kind understands; NULL for a job that cannot start over), and how many
-- times it has been started, so that a job whose instance stopped is taken over by another.
ALTER TABLE jobs ADD COLUMN resume TEXT;
ALTER TABLE jobs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1;
