-- The warehouse schema: the contract between the ETL and the dashboard (docs/data-model.md).
-- Names are plain and stable: analysts query these tables directly with DuckDB.

-- Reference data (data/reference/*.csv) ------------------------------------------------------
CREATE TABLE fields_of_competence (
    code VARCHAR PRIMARY KEY, name_en VARCHAR NOT NULL, name_fr VARCHAR NOT NULL,
    sort_order INTEGER NOT NULL, bit INTEGER NOT NULL
);
CREATE TABLE functional_areas (
    code VARCHAR PRIMARY KEY, name_en VARCHAR NOT NULL, name_fr VARCHAR NOT NULL,
    sort_order INTEGER NOT NULL, bit INTEGER NOT NULL
);
CREATE TABLE regions (
    code VARCHAR PRIMARY KEY, name_en VARCHAR NOT NULL, name_fr VARCHAR NOT NULL,
    sort_order INTEGER NOT NULL, bit INTEGER NOT NULL
);
CREATE TABLE countries (
    iso3 VARCHAR PRIMARY KEY, iso2 VARCHAR, name_en VARCHAR NOT NULL, name_fr VARCHAR NOT NULL,
    region_code VARCHAR, region_source VARCHAR
);
-- Small code lists: partner_status, partner_type, modality, activity_status, scope, mechanism, role.
CREATE TABLE vocabularies (
    vocabulary VARCHAR NOT NULL, code VARCHAR NOT NULL, name_en VARCHAR NOT NULL,
    name_fr VARCHAR NOT NULL, sort_order INTEGER NOT NULL, bit INTEGER NOT NULL,
    PRIMARY KEY (vocabulary, code)
);

-- Partners -------------------------------------------------------------------------------------
CREATE TABLE partners (
    partner_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    acronym VARCHAR,
    partner_type VARCHAR NOT NULL,          -- ngo | foundation
    status VARCHAR NOT NULL,                -- consultative | associate | official_relations
    status_since DATE,
    hq_city VARCHAR,
    hq_country_iso3 VARCHAR,
    hq_region_code VARCHAR,                 -- UNESCO region of the headquarters country
    relations_since INTEGER,                -- year official relations began
    scope VARCHAR,                          -- international | regional | national | local
    website VARCHAR,
    extra VARCHAR,                          -- JSON of the row's cells outside the contract, or NULL
    source_file VARCHAR, source_line INTEGER
);
-- One row per status period; the current one has valid_to NULL.
CREATE TABLE partner_status_history (
    partner_id VARCHAR NOT NULL, status VARCHAR NOT NULL, valid_from DATE, valid_to DATE
);
CREATE TABLE partner_fields (partner_id VARCHAR NOT NULL, field_code VARCHAR NOT NULL);

-- Activities (bilateral and collective cooperation) ------------------------------------------------
CREATE TABLE activities (
    activity_id VARCHAR PRIMARY KEY,
    title VARCHAR NOT NULL,
    modality VARCHAR NOT NULL,              -- bilateral | collective
    field_code VARCHAR NOT NULL,            -- primary field of competence
    start_date DATE, end_date DATE,
    year INTEGER,                           -- year of start_date (else of end_date)
    status VARCHAR,                         -- planned | ongoing | completed | cancelled
    budget_usd DOUBLE,
    description VARCHAR,
    geo_scope VARCHAR NOT NULL,             -- country | multi_country | regional | global
    lead_partner_id VARCHAR,                -- first partner listed
    extra VARCHAR,                          -- JSON of the row's cells outside the contract, or NULL
    source_file VARCHAR, source_line INTEGER
);
CREATE TABLE activity_partners (
    activity_id VARCHAR NOT NULL, partner_id VARCHAR NOT NULL, is_lead BOOLEAN NOT NULL
);
CREATE TABLE activity_functional_areas (activity_id VARCHAR NOT NULL, area_code VARCHAR NOT NULL);
-- One row per country; budget_share_usd splits the budget evenly so sums never double-count.
CREATE TABLE activity_countries (
    activity_id VARCHAR NOT NULL, iso3 VARCHAR NOT NULL, region_code VARCHAR,
    share DOUBLE NOT NULL, budget_share_usd DOUBLE
);
-- Regions an activity reaches: named regions of regional activities (via = 'regional') and the
-- regions of its countries (via = 'country'). Global activities have no row here.
CREATE TABLE activity_regions (
    activity_id VARCHAR NOT NULL, region_code VARCHAR NOT NULL, via VARCHAR NOT NULL,
    share DOUBLE NOT NULL, budget_share_usd DOUBLE
);

-- Collective cooperation ---------------------------------------------------------------------
CREATE TABLE participation (
    participation_id INTEGER PRIMARY KEY,
    partner_id VARCHAR NOT NULL,
    mechanism VARCHAR NOT NULL,             -- conference | liaison_committee | committee_ngp | forum
    event VARCHAR,
    event_date DATE,
    year INTEGER,
    role VARCHAR,                           -- participant | speaker | elected_member | chair | observer
    extra VARCHAR,                          -- JSON of the row's cells outside the contract, or NULL
    source_file VARCHAR, source_line INTEGER
);

-- Load bookkeeping -------------------------------------------------------------------------------
CREATE TABLE etl_runs (
    run_id VARCHAR PRIMARY KEY, started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP,
    source_dir VARCHAR, status VARCHAR NOT NULL,
    rows_in BIGINT, loaded BIGINT, rejected BIGINT, warnings BIGINT,
    etl_version VARCHAR
);
CREATE TABLE etl_files (
    run_id VARCHAR NOT NULL, file VARCHAR NOT NULL, kind VARCHAR NOT NULL, sha256 VARCHAR,
    encoding VARCHAR, rows_in BIGINT, loaded BIGINT, rejected BIGINT, warnings BIGINT
);
CREATE TABLE rejected_rows (
    run_id VARCHAR NOT NULL, file VARCHAR NOT NULL, line INTEGER, column_name VARCHAR,
    value VARCHAR, reason VARCHAR NOT NULL, raw VARCHAR
);
CREATE TABLE load_warnings (
    run_id VARCHAR NOT NULL, file VARCHAR NOT NULL, line INTEGER, column_name VARCHAR,
    value VARCHAR, reason VARCHAR NOT NULL
);
