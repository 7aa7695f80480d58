-- Derived tables and views, rebuilt by every load after the base tables are filled.

-- One row per activity with every filterable dimension as a column. Multi-valued dimensions
-- with few values are bitmasks (bit = 1 << (sort_order - 1) of the reference table), so a filter
-- is one integer AND rather than a join; countries stay a list for the rare country filter.
CREATE TABLE activity_facts AS
WITH
am AS (SELECT afa.activity_id, bit_or(fa.bit) AS m FROM activity_functional_areas afa
       JOIN functional_areas fa ON fa.code = afa.area_code GROUP BY ALL),
rm AS (SELECT ar.activity_id, bit_or(r.bit) AS m FROM activity_regions ar
       JOIN regions r ON r.code = ar.region_code GROUP BY ALL),
pm AS (SELECT ap.activity_id, bit_or(vs.bit) AS sm, bit_or(vt.bit) AS tm
       FROM activity_partners ap JOIN partners p USING (partner_id)
       JOIN vocabularies vs ON vs.vocabulary = 'partner_status' AND vs.code = p.status
       JOIN vocabularies vt ON vt.vocabulary = 'partner_type' AND vt.code = p.partner_type
       GROUP BY ALL),
cl AS (SELECT activity_id, list(iso3 ORDER BY iso3) AS countries FROM activity_countries
       GROUP BY ALL),
-- Activities flagged at load: a load warning on their budget (e.g. an outlier), matched by the
-- row they came from; the dashboard marks them and can leave them out (Filters.without_flagged).
fl AS (SELECT DISTINCT a.activity_id FROM activities a
       JOIN load_warnings w ON w.file = a.source_file AND w.line = a.source_line
       WHERE w.column_name = 'budget_usd')
SELECT
    a.activity_id,
    -- An integer key per activity (in the table's order): the country filter's semi-join
    -- probes it instead of a million string ids (below, activity_country_keys).
    (row_number() OVER (ORDER BY a.year, a.field_code, a.activity_id))::INTEGER AS activity_key,
    a.year, a.field_code, a.modality, a.status AS activity_status, a.geo_scope,
    COALESCE(a.budget_usd, 0) AS budget_usd,
    COALESCE(am.m, 0) AS area_mask,
    COALESCE(rm.m, 0) AS region_mask,
    COALESCE(pm.sm, 0) AS partner_status_mask,
    COALESCE(pm.tm, 0) AS partner_type_mask,
    COALESCE(cl.countries, []::VARCHAR[]) AS countries,
    fl.activity_id IS NOT NULL AS flagged
FROM activities a
LEFT JOIN am USING (activity_id) LEFT JOIN rm USING (activity_id)
LEFT JOIN pm USING (activity_id) LEFT JOIN cl USING (activity_id)
LEFT JOIN fl USING (activity_id)
ORDER BY a.year, a.field_code;

-- Each activity's countries by its integer key, ordered by country. The country filter is a
-- semi-join on it (dashboards/dimensions.py): an integer probe instead of a string one, and a
-- filter on a few countries reads a few row groups. At 1M activities a country-filtered count
-- took 40-50 ms with the string semi-join on activity_countries, 8-9 ms with this one.
CREATE TABLE activity_country_keys AS
SELECT ac.iso3, f.activity_key
FROM activity_countries ac JOIN activity_facts f USING (activity_id)
ORDER BY ac.iso3, f.activity_key;

-- The bridge tables with every filter column of activity_facts beside them. A chart that
-- counts by region, country or partner then scans one table with the same predicate
-- (Filters.where) instead of joining a million string keys: at 1M activities that join cost
-- 100–250 ms per query, the scan a few ms. Ordered by year so year filters skip row groups.
-- Not the `countries` lists: a country filter is a semi-join on activity_countries
-- (dimensions.py), and copying a list per bridge row cost a third of these tables' build time.
CREATE TABLE region_facts AS
SELECT ar.region_code, ar.via, ar.share, ar.budget_share_usd, f.* EXCLUDE (countries)
FROM activity_regions ar JOIN activity_facts f USING (activity_id)
ORDER BY f.year, ar.region_code;

CREATE TABLE country_facts AS
SELECT ac.iso3, ac.region_code, ac.share, ac.budget_share_usd, f.* EXCLUDE (countries)
FROM activity_countries ac JOIN activity_facts f USING (activity_id)
ORDER BY f.year, ac.iso3;

-- With the activity's dates as cooperation dates (its start, else its end; its end, else its
-- start): the Partner lifecycle's "no cooperation" check reads them here instead of joining a
-- million activities on their string ids (dashboards/queries/lifecycle.py no_cooperation).
CREATE TABLE partner_facts AS
SELECT ap.partner_id, ap.is_lead, p.status, p.partner_type,
       COALESCE(a.start_date, a.end_date) AS activity_start,
       COALESCE(a.end_date, a.start_date) AS activity_end,
       f.* EXCLUDE (countries)
FROM activity_partners ap JOIN activity_facts f USING (activity_id)
JOIN partners p ON p.partner_id = ap.partner_id
JOIN activities a ON a.activity_id = ap.activity_id
ORDER BY f.year, ap.partner_id;

-- Summary tables (issue 14): the facts pre-aggregated at load, grouped by the filter columns.
-- A page update that filters on none of the grouped-out columns (and not on countries, which
-- are too many to group by) reads one of these instead of a million rows; the query layer
-- (dashboards/queries/summary.py) picks the smallest that holds every column the query and
-- its filters name. An activity falls in exactly one row of each table (one per region in
-- region_summary), so summed counts are exact distinct-activity counts.
CREATE TABLE activity_summary_small AS
SELECT year, field_code, modality, activity_status, geo_scope, flagged,
       count(*) AS activities, sum(budget_usd) AS budget_usd
FROM activity_facts GROUP BY ALL ORDER BY ALL;

CREATE TABLE activity_summary AS
SELECT year, field_code, modality, activity_status, geo_scope, flagged, area_mask, region_mask,
       count(*) AS activities, sum(budget_usd) AS budget_usd
FROM activity_facts GROUP BY ALL ORDER BY ALL;

CREATE TABLE activity_summary_partners AS
SELECT year, field_code, modality, activity_status, geo_scope, flagged, area_mask, region_mask,
       partner_status_mask, partner_type_mask,
       count(*) AS activities, sum(budget_usd) AS budget_usd
FROM activity_facts GROUP BY ALL ORDER BY ALL;

CREATE TABLE region_summary AS
SELECT region_code, year, field_code, modality, activity_status, geo_scope, flagged, area_mask,
       region_mask,
       count(DISTINCT activity_id) AS activities, sum(budget_share_usd) AS budget_share_usd,
       count(DISTINCT activity_id) FILTER (WHERE via = 'regional') AS regional_activities,
       sum(budget_share_usd) FILTER (WHERE via = 'regional') AS regional_budget_share_usd
FROM region_facts GROUP BY ALL ORDER BY ALL;

-- For distinct counts of countries and partners (the headlines, partners per field): the
-- distinct (country or partner, filter columns) pairs, no measure.
CREATE TABLE country_summary AS
SELECT DISTINCT iso3, year, field_code, modality, activity_status, geo_scope, flagged
FROM country_facts ORDER BY year, iso3;

CREATE TABLE partner_summary AS
SELECT DISTINCT partner_id, status, partner_type, year, field_code, modality, activity_status,
       geo_scope, flagged
FROM partner_facts ORDER BY year, partner_id;

-- Views that make the common questions one SELECT away -------------------------------------

-- Activities with the names of their codes (English and French).
CREATE VIEW v_activities AS
SELECT a.*, f.name_en AS field_name_en, f.name_fr AS field_name_fr,
       p.name AS lead_partner_name
FROM activities a
JOIN fields_of_competence f ON f.code = a.field_code
LEFT JOIN partners p ON p.partner_id = a.lead_partner_id;

-- Partners with headquarters names and activity counts.
CREATE VIEW v_partners AS
SELECT p.*, c.name_en AS hq_country_name_en, c.name_fr AS hq_country_name_fr,
       r.name_en AS hq_region_name_en, r.name_fr AS hq_region_name_fr,
       COALESCE(n.activities, 0) AS activities,
       COALESCE(n.activities_as_lead, 0) AS activities_as_lead,
       (SELECT string_agg(pf.field_code, ';' ORDER BY pf.field_code) FROM partner_fields pf
        WHERE pf.partner_id = p.partner_id) AS fields
FROM partners p
LEFT JOIN countries c ON c.iso3 = p.hq_country_iso3
LEFT JOIN regions r ON r.code = p.hq_region_code
LEFT JOIN (SELECT partner_id, count(*) AS activities,
                  count(*) FILTER (WHERE is_lead) AS activities_as_lead
           FROM activity_partners GROUP BY partner_id) n ON n.partner_id = p.partner_id;

-- Activities and budget by year and field of competence.
CREATE VIEW v_activity_by_field_year AS
SELECT year, field_code, count(*) AS activities, sum(budget_usd) AS budget_usd
FROM activities GROUP BY year, field_code;

-- Activities and budget by country (budget split across countries, so sums add up).
CREATE VIEW v_activity_by_country AS
SELECT ac.iso3, c.name_en, c.name_fr, ac.region_code, count(*) AS activities,
       sum(ac.budget_share_usd) AS budget_usd
FROM activity_countries ac JOIN countries c USING (iso3)
GROUP BY ac.iso3, c.name_en, c.name_fr, ac.region_code;

-- Activities and budget by UNESCO region (countries' regions and regional activities).
CREATE VIEW v_activity_by_region AS
SELECT ar.region_code, r.name_en, r.name_fr, count(DISTINCT ar.activity_id) AS activities,
       sum(ar.budget_share_usd) AS budget_usd
FROM activity_regions ar JOIN regions r ON r.code = ar.region_code
GROUP BY ar.region_code, r.name_en, r.name_fr;

-- Participation in collective mechanisms with partner name and status.
CREATE VIEW v_participation AS
SELECT pa.*, p.name AS partner_name, p.status AS partner_status, p.partner_type,
       p.hq_region_code
FROM participation pa JOIN partners p USING (partner_id);

-- The latest successful load.
-- The run that built this file (etl_runs also holds the runs that gave the datasets it kept).
CREATE VIEW v_latest_run AS
SELECT * FROM etl_runs WHERE status = 'succeeded' AND run_id IN (SELECT run_id FROM etl_datasets);

-- IATI (issue 10): organisations named in participating-org rows, one row per organisation
-- (the matched partner, else by ref, else by name), with the roles it plays and the partner it was matched to.
CREATE TABLE organisations AS
SELECT COALESCE(partner_id, ref, name) AS org_key, any_value(ref) AS ref,
       mode(name) AS name, mode(org_type) AS org_type, mode(org_type_name) AS org_type_name,
       bool_or(is_ngo_or_foundation) AS is_ngo_or_foundation, any_value(partner_id) AS partner_id,
       list(DISTINCT role ORDER BY role) AS roles, count(DISTINCT activity_id) AS activities
FROM activity_participating_orgs
WHERE COALESCE(partner_id, ref, name) IS NOT NULL
GROUP BY COALESCE(partner_id, ref, name);

-- IATI (issue 10): each IATI activity's title in English and in French, for the UI language
-- (the narrative in that language, else in the other, else the first one given).
CREATE TABLE activity_titles AS
SELECT activity_id,
       COALESCE(arg_min(text, seq) FILTER (WHERE lower(split_part(lang, '-', 1)) = 'en'),
                arg_min(text, seq) FILTER (WHERE lower(split_part(lang, '-', 1)) = 'fr'),
                arg_min(text, seq)) AS title_en,
       COALESCE(arg_min(text, seq) FILTER (WHERE lower(split_part(lang, '-', 1)) = 'fr'),
                arg_min(text, seq) FILTER (WHERE lower(split_part(lang, '-', 1)) = 'en'),
                arg_min(text, seq)) AS title_fr
FROM activity_narratives WHERE element = 'title'
GROUP BY activity_id;
