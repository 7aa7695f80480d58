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
    partner_type VARCHAR NOT NULL,          -- ngo | foundation | not_stated
    status VARCHAR NOT NULL,                -- consultative | associate | official_relations | not_stated
    status_as_given VARCHAR,                -- the status cell as the source wrote it
    status_since DATE,                      -- first day of the period the source gave
    status_since_precision VARCHAR,         -- day | month | year (as precise as the source)
    hq_city VARCHAR,
    hq_country_iso3 VARCHAR,
    hq_country_as_given VARCHAR,            -- the country cell as the source wrote it
    hq_region_code VARCHAR,                 -- UNESCO region of the headquarters country
    relations_since INTEGER,                -- year official relations began
    scope VARCHAR,                          -- international | regional | national | local
    website VARCHAR,
    extra VARCHAR,                          -- JSON of the row's cells outside the contract, or NULL
    source_file VARCHAR, source_line INTEGER
);
-- One row per status a source gives (every merged row's too); is_current marks the one in partners.
CREATE TABLE partner_status_history (
    partner_id VARCHAR NOT NULL, status VARCHAR NOT NULL, valid_from DATE, valid_to DATE,
    valid_from_precision VARCHAR, valid_to_precision VARCHAR,  -- day | month | year
    status_as_given VARCHAR, is_current BOOLEAN NOT NULL,
    source_file VARCHAR, source_line INTEGER    -- the input row that gave this status
);
CREATE TABLE partner_fields (partner_id VARCHAR NOT NULL, field_code VARCHAR NOT NULL);

-- Activities (bilateral and collective cooperation) ------------------------------------------------
-- activity_id is the primary key: added by etl/load.py once the rows are in (one index build
-- for a million ids took half the time of checking each row as it was inserted).
CREATE TABLE activities (
    activity_id VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    modality VARCHAR NOT NULL,              -- bilateral | collective
    field_code VARCHAR NOT NULL,            -- primary field of competence
    start_date DATE, end_date DATE,         -- first day of the period the source gave
    start_date_precision VARCHAR,           -- day | month | year
    end_date_precision VARCHAR,             -- day | month | year
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
    mechanism VARCHAR NOT NULL,             -- code of vocabularies 'mechanism' ('other' if unknown)
    mechanism_as_given VARCHAR,             -- the mechanism as the source worded it
    event VARCHAR,
    event_date DATE,                        -- first day (of the period, or of a range)
    event_date_precision VARCHAR,           -- day | month | year
    event_end_date DATE,                    -- end of a range ("12–14 December 2016")
    event_end_date_precision VARCHAR,
    year INTEGER,
    role VARCHAR,                           -- code of vocabularies 'role' ('other' if unknown)
    role_as_given VARCHAR,                  -- the role as the source worded it ('Présidente')
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
    value VARCHAR, reason VARCHAR NOT NULL, raw VARCHAR,
    reason_template VARCHAR, reason_args VARCHAR  -- etl/reasons.py: msgid + JSON, for the UI language
);
CREATE TABLE load_warnings (
    run_id VARCHAR NOT NULL, file VARCHAR NOT NULL, line INTEGER, column_name VARCHAR,
    value VARCHAR, reason VARCHAR NOT NULL,
    reason_template VARCHAR, reason_args VARCHAR  -- etl/reasons.py: msgid + JSON, for the UI language
);
-- Which run gave each dataset of this file: a load may update one dataset and keep the others.
CREATE TABLE etl_datasets (
    run_id VARCHAR NOT NULL, dataset VARCHAR NOT NULL, action VARCHAR NOT NULL,
    source_run_id VARCHAR, rows BIGINT, rejected BIGINT, warnings BIGINT,
    PRIMARY KEY (run_id, dataset)
);
-- How the reference data of this load differs from the shipped reference (e.g. a country moved).
CREATE TABLE reference_changes (
    run_id VARCHAR NOT NULL, file VARCHAR NOT NULL, key VARCHAR NOT NULL, field VARCHAR NOT NULL,
    old VARCHAR, new VARCHAR
);

-- IATI activity files (issue 10; etl/iati.py) ------------------------------------------------
-- IATI activities also land in `activities` and its bridges; these tables keep what the
-- activities contract has no room for. docs/data-model.md, section "IATI".
CREATE TABLE iati_files (
    file VARCHAR NOT NULL, iati_version VARCHAR, generated_datetime VARCHAR,
    activities BIGINT, loaded BIGINT, rejected BIGINT, with_official_partner BIGINT,
    reporting_orgs VARCHAR, unmapped_sectors VARCHAR
);
CREATE TABLE iati_activities (
    activity_id VARCHAR NOT NULL, file VARCHAR NOT NULL, line INTEGER, iati_version VARCHAR,
    hierarchy VARCHAR, default_currency VARCHAR, default_lang VARCHAR, last_updated VARCHAR,
    reporting_org_ref VARCHAR, reporting_org_type VARCHAR, reporting_org_name VARCHAR,
    activity_status_code VARCHAR, activity_scope_code VARCHAR,
    planned_start DATE, actual_start DATE, planned_end DATE, actual_end DATE,
    partner_link VARCHAR NOT NULL,          -- official_partner | ngo_not_in_partnership | no_ngo
    money_level VARCHAR NOT NULL,           -- self | children | none
    has_children BOOLEAN, has_parent BOOLEAN
);
CREATE TABLE activity_narratives (
    activity_id VARCHAR NOT NULL, element VARCHAR NOT NULL, type VARCHAR, lang VARCHAR,
    seq INTEGER, text VARCHAR NOT NULL
);
CREATE TABLE activity_participating_orgs (
    activity_id VARCHAR NOT NULL, seq INTEGER NOT NULL, role VARCHAR, org_type VARCHAR,
    org_type_name VARCHAR, ref VARCHAR, name VARCHAR, org_activity_id VARCHAR,
    is_ngo_or_foundation BOOLEAN NOT NULL, partner_id VARCHAR
);
CREATE TABLE activity_sectors (
    activity_id VARCHAR NOT NULL, vocabulary VARCHAR NOT NULL, code VARCHAR, name_en VARCHAR,
    percentage DOUBLE, percentage_as_given VARCHAR, level VARCHAR NOT NULL
);
CREATE TABLE activity_fields (activity_id VARCHAR NOT NULL, field_code VARCHAR NOT NULL, share DOUBLE NOT NULL);
CREATE TABLE activity_recipients (
    activity_id VARCHAR NOT NULL, kind VARCHAR NOT NULL, vocabulary VARCHAR, code VARCHAR,
    iso3 VARCHAR, region_code VARCHAR, percentage_as_given VARCHAR, share DOUBLE NOT NULL
);
CREATE TABLE activity_budgets (
    activity_id VARCHAR NOT NULL, seq INTEGER NOT NULL, budget_type VARCHAR, budget_status VARCHAR,
    period_start DATE, period_end DATE, value DOUBLE, currency VARCHAR, value_date DATE,
    value_usd DOUBLE, superseded BOOLEAN NOT NULL, counted BOOLEAN NOT NULL, source_line INTEGER
);
CREATE TABLE budget_years (
    activity_id VARCHAR NOT NULL, year INTEGER NOT NULL, value DOUBLE, currency VARCHAR,
    value_usd DOUBLE, counted BOOLEAN NOT NULL
);
CREATE TABLE transactions (
    activity_id VARCHAR NOT NULL, seq INTEGER NOT NULL, ref VARCHAR, transaction_type VARCHAR,
    transaction_date DATE, year INTEGER, value DOUBLE, currency VARCHAR, value_date DATE,
    value_usd DOUBLE, provider_org_ref VARCHAR, provider_org_name VARCHAR,
    receiver_org_ref VARCHAR, receiver_org_name VARCHAR, counted BOOLEAN NOT NULL,
    source_line INTEGER
);
CREATE TABLE activity_relations (
    activity_id VARCHAR NOT NULL, related_activity_id VARCHAR, relation_type VARCHAR,
    in_load BOOLEAN NOT NULL
);
CREATE TABLE dac_field_crosswalk (
    vocabulary VARCHAR NOT NULL, code VARCHAR NOT NULL, field VARCHAR NOT NULL,
    weight DOUBLE NOT NULL, source VARCHAR
);
CREATE TABLE iati_codelists (
    codelist VARCHAR NOT NULL, code VARCHAR NOT NULL, name_en VARCHAR, name_fr VARCHAR,
    category VARCHAR, status VARCHAR
);
-- Partners that are probably one organisation (etl/matching.py): reported, never merged.
CREATE TABLE possible_duplicates (
    run_id VARCHAR NOT NULL,
    file_a VARCHAR NOT NULL, line_a INTEGER, id_a VARCHAR, name_a VARCHAR,
    file_b VARCHAR NOT NULL, line_b INTEGER, id_b VARCHAR, name_b VARCHAR,
    reason VARCHAR NOT NULL,
    score DOUBLE                            -- rapidfuzz token_sort_ratio of the names, 0-100
);

-- Partnership lifecycle (issue 12) -------------------------------------------------------------
-- Inputs status_events* and reports* (docs/data-contract.md); reference data governing_sessions
-- and lifecycle_rules (data/reference/, PROVENANCE.md). Rules are evaluated by the dashboard
-- (dashboards/queries/lifecycle.py) with `today` as a parameter, never at load.
CREATE TABLE status_events (
    partner_id VARCHAR NOT NULL,
    event VARCHAR NOT NULL,                 -- application | admission | renewal | reclassification |
                                            -- suspension | termination | withdrawal | review_deferred | other
    event_as_given VARCHAR,                 -- the source's wording
    status_after VARCHAR,                   -- partner_status code (NULL when the event does not change it)
    event_date DATE,                        -- first day of the stated period
    event_date_precision VARCHAR,           -- day | month | year
    deciding_body VARCHAR,                  -- director_general | executive_board | NULL
    decision_ref VARCHAR,                   -- as given, e.g. '218 EX/Decision 30'
    source_file VARCHAR, source_line INTEGER,
    status_after_as_given VARCHAR,          -- the status-after cell as written
    deciding_body_as_given VARCHAR,         -- the deciding-body cell as written
    session VARCHAR,                        -- Board session named by decision_ref ('218 EX'), else NULL
    extra VARCHAR                           -- JSON of the row's cells outside the contract, or NULL
);
CREATE TABLE partner_reports (
    partner_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,                  -- periodic | activity | financial | other
    kind_as_given VARCHAR,
    period_start DATE, period_end DATE,     -- period_end: last day of the stated period
    due_date DATE, received_date DATE,      -- received NULL: not received
    source_file VARCHAR, source_line INTEGER,
    extra VARCHAR                           -- JSON of the row's cells outside the contract, or NULL
);
CREATE TABLE governing_sessions (
    body VARCHAR NOT NULL,                  -- executive_board | ngo_conference | ngp_committee
    session VARCHAR NOT NULL,               -- '221 EX', '13th'
    number INTEGER,
    start_date DATE, end_date DATE,
    place VARCHAR,
    status VARCHAR NOT NULL,                -- held | scheduled
    source VARCHAR NOT NULL,
    date_quality VARCHAR                    -- published | recalled | estimated (PROVENANCE.md)
);
CREATE TABLE lifecycle_rules (
    rule VARCHAR NOT NULL,                  -- associate_renewal_years, request_cutoff_month_day, ...
    value VARCHAR NOT NULL, unit VARCHAR, description VARCHAR, source VARCHAR NOT NULL
);
-- Access (issue 13) -----------------------------------------------------------------------------
-- Facts about this warehouse file as a whole: ('demo', 'true'|'false') says whether it holds only
-- the generated demo data (the one warehouse ACCESS_MODE=demo may serve).
CREATE TABLE warehouse_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
