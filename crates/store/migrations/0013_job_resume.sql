-- How to run a job again: a JSON description its kind understands, for jobs that can start
-- over from the beginning (NULL: one that cannot). Where several instances share one
-- database, a job whose instance stopped is taken over by another instance that runs it
-- again from this, at most `attempts` < 3 times. (With SQLite there is one process.)
ALTER TABLE jobs ADD COLUMN resume TEXT;
ALTER TABLE jobs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1;
