-- Cooperation (对外合作): the registry of partners abroad and at home — liaison offices,
-- chambers of commerce, friendly provinces and cities, counterpart provinces, regional
-- mechanisms, exchange platforms — each with its contacts and linked projects; the exchanges
-- and visits with them; and international arrivals by month and source market.

CREATE TABLE coop_partners (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('liaison_office', 'chamber', 'organisation', 'friendly_province', 'friendly_city', 'counterpart', 'regional', 'exchange_platform')),
    name_zh     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    -- ISO 3166-1 alpha-2; CN for partners at home.
    country     TEXT NOT NULL,
    region      TEXT NOT NULL DEFAULT '',
    since       INTEGER,
    status      TEXT NOT NULL CHECK (status IN ('planned', 'active', 'suspended', 'ended')),
    lat         REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon         REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    agreements  TEXT NOT NULL DEFAULT '',
    -- JSON list of {name, role, phone, email}.
    contacts    TEXT NOT NULL DEFAULT '[]',
    lead_org_id INTEGER REFERENCES organisations (id),
    note        TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL,
    verified    BOOLEAN NOT NULL,
    synthetic   BOOLEAN NOT NULL,
    version     INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE coop_partner_projects (
    partner_id  INTEGER NOT NULL REFERENCES coop_partners (id),
    project_id  INTEGER NOT NULL REFERENCES invest_projects (id),
    linked_at   TEXT NOT NULL,
    PRIMARY KEY (partner_id, project_id)
);

CREATE TABLE coop_exchanges (
    id           INTEGER PRIMARY KEY,
    title        TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('economic', 'technology', 'education', 'culture', 'tourism', 'fair')),
    direction    TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound', 'hosted')),
    starts_on    TEXT NOT NULL,
    ends_on      TEXT NOT NULL CHECK (ends_on >= starts_on),
    place        TEXT NOT NULL DEFAULT '',
    -- The country visited or the delegation's; CN for events at home.
    country      TEXT NOT NULL,
    participants INTEGER NOT NULL DEFAULT 0 CHECK (participants >= 0),
    agreements   INTEGER NOT NULL DEFAULT 0 CHECK (agreements >= 0),
    outcomes     TEXT NOT NULL DEFAULT '',
    lead_org_id  INTEGER NOT NULL REFERENCES organisations (id),
    synthetic    BOOLEAN NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX coop_exchanges_starts ON coop_exchanges (starts_on);

CREATE TABLE coop_exchange_partners (
    exchange_id INTEGER NOT NULL REFERENCES coop_exchanges (id),
    partner_id  INTEGER NOT NULL REFERENCES coop_partners (id),
    PRIMARY KEY (exchange_id, partner_id)
);
CREATE INDEX coop_exchange_partners_partner ON coop_exchange_partners (partner_id);

CREATE TABLE coop_exchange_projects (
    exchange_id INTEGER NOT NULL REFERENCES coop_exchanges (id),
    project_id  INTEGER NOT NULL REFERENCES invest_projects (id),
    PRIMARY KEY (exchange_id, project_id)
);

-- Arrivals by month and source market; a table imported again replaces its months.
CREATE TABLE coop_tourism (
    month       TEXT NOT NULL,
    market      TEXT NOT NULL,
    visitors    INTEGER NOT NULL CHECK (visitors >= 0),
    overnight   INTEGER CHECK (overnight IS NULL OR overnight >= 0),
    receipts    REAL CHECK (receipts IS NULL OR receipts >= 0),
    source      TEXT NOT NULL,
    synthetic   BOOLEAN NOT NULL,
    imported_at TEXT NOT NULL,
    PRIMARY KEY (month, market)
);

CREATE TRIGGER coop_partners_no_delete BEFORE DELETE ON coop_partners
BEGIN
    SELECT RAISE(ABORT, 'partners are kept: mark a partnership ended instead');
END;

CREATE TRIGGER coop_exchanges_no_delete BEFORE DELETE ON coop_exchanges
BEGIN
    SELECT RAISE(ABORT, 'exchanges are a record of what happened');
END;
