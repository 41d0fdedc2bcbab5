-- The monthly bulletins: each file kept under bulletins/ once written, never replaced; a row
-- per file with its hash, so a copy can be checked against what was issued.
CREATE TABLE bulletins (
    id          INTEGER PRIMARY KEY,
    month       TEXT NOT NULL,
    lang        TEXT NOT NULL CHECK (lang IN ('zh', 'en')),
    format      TEXT NOT NULL CHECK (format IN ('docx', 'pdf')),
    file        TEXT NOT NULL UNIQUE,
    bytes       INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    pages       INTEGER,
    synthetic   BOOLEAN NOT NULL,
    -- The figures it was made from (the cockpit's answer and the sections' tables), JSON.
    figures     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL
);

CREATE INDEX bulletins_month ON bulletins (month);

CREATE TRIGGER bulletins_no_update BEFORE UPDATE ON bulletins
BEGIN
    SELECT RAISE(ABORT, 'an issued bulletin is not changed: issue a new one');
END;

CREATE TRIGGER bulletins_no_delete BEFORE DELETE ON bulletins
BEGIN
    SELECT RAISE(ABORT, 'an issued bulletin is kept');
END;
