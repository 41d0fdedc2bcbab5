-- PostgreSQL form of migrations/0011_org_uscc.sql: an organisation's unified social credit
-- code (GB 32100-2015), optional and unique where given; the application verifies its check
-- character before writing it.
--
-- Same meaning as the SQLite form: length() counts characters on both engines, and the
-- partial unique index leaves any number of organisations without a code.
ALTER TABLE organisations ADD COLUMN uscc TEXT CHECK (uscc IS NULL OR length(uscc) = 18);
CREATE UNIQUE INDEX organisations_uscc ON organisations (uscc) WHERE uscc IS NOT NULL;
