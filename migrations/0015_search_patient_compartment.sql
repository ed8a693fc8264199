-- The patient compartment in the search index: every resource that belongs to a patient has one
-- search_reference row with param '_patient-compartment' pointing at that patient (written with
-- the rest of its index rows, see src/platform/fhir/search/compartment-filter.ts). Patient-bound
-- searches are narrowed to these rows before counting and paging.
--
-- Which patient a resource belongs to is decided in TypeScript (patientOf), not here, so the rows
-- of resources stored before this migration are written at start-up by the backfill
-- (src/platform/fhir/search/compartment-backfill.ts), which removes its row below when done.
CREATE TABLE search_backfill (
  name text PRIMARY KEY,
  requested_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO search_backfill (name) VALUES ('patient-compartment');
