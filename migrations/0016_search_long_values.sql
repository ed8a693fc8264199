-- Long values in the search index. A b-tree row holds at most 2704 bytes, so a 3,000-character
-- family name, identifier or reference failed its write ("index row size … exceeds btree version 4
-- maximum 2704"). Every indexed text column now holds at most the first 256 characters of the
-- value (at most 1 KB in UTF-8, so two of them and the keys fit a row); the whole value, when it
-- is longer, is kept beside it in a *_full column that no index covers. Searches compare the
-- prefix through the index and, for a search value of 256 characters or more, the whole value on
-- the rows found (src/platform/fhir/search/long-values.ts). Identifiers, codes and systems are
-- also bounded at validation (256 characters), so those are never cut.
ALTER TABLE search_token ADD COLUMN value_full text, ADD COLUMN system_full text;
ALTER TABLE search_reference
  ADD COLUMN target_type_full text, ADD COLUMN target_id_full text,
  ADD COLUMN identifier_system_full text, ADD COLUMN identifier_value_full text;
ALTER TABLE search_string ADD COLUMN value_full text;

-- Rows written before: values longer than the prefix were possible below the b-tree limit.
UPDATE search_token SET value_full = value, value = left(value, 256) WHERE length(value) > 256;
UPDATE search_token SET system_full = system, system = left(system, 256) WHERE length(system) > 256;
UPDATE search_reference SET target_type_full = target_type, target_type = left(target_type, 256)
  WHERE length(target_type) > 256;
UPDATE search_reference SET target_id_full = target_id, target_id = left(target_id, 256)
  WHERE length(target_id) > 256;
UPDATE search_reference SET identifier_system_full = identifier_system,
  identifier_system = left(identifier_system, 256) WHERE length(identifier_system) > 256;
UPDATE search_reference SET identifier_value_full = identifier_value,
  identifier_value = left(identifier_value, 256) WHERE length(identifier_value) > 256;
UPDATE search_string SET value_full = value, value = left(value, 256) WHERE length(value) > 256;

-- The same function (same arguments), now cutting long values to their prefix as it inserts.
CREATE OR REPLACE FUNCTION search_index_replace(
  p_type text, p_id text,
  t_param text[], t_system text[], t_value text[],
  r_param text[], r_target_type text[], r_target_id text[], r_identifier_system text[], r_identifier_value text[],
  d_param text[], d_low text[], d_high text[],
  s_param text[], s_value text[], s_exact text[]
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM search_token WHERE resource_type = p_type AND id = p_id;
  DELETE FROM search_reference WHERE resource_type = p_type AND id = p_id;
  DELETE FROM search_date WHERE resource_type = p_type AND id = p_id;
  DELETE FROM search_string WHERE resource_type = p_type AND id = p_id;
  IF cardinality(t_param) > 0 THEN
    INSERT INTO search_token (resource_type, id, param, system, value, system_full, value_full)
    SELECT p_type, p_id, t.param, left(t.system, 256), left(t.value, 256),
      CASE WHEN length(t.system) > 256 THEN t.system END,
      CASE WHEN length(t.value) > 256 THEN t.value END
    FROM unnest(t_param, t_system, t_value) AS t(param, system, value);
  END IF;
  IF cardinality(r_param) > 0 THEN
    INSERT INTO search_reference (resource_type, id, param, target_type, target_id, identifier_system,
      identifier_value, target_type_full, target_id_full, identifier_system_full, identifier_value_full)
    SELECT p_type, p_id, r.param, left(r.target_type, 256), left(r.target_id, 256),
      left(r.identifier_system, 256), left(r.identifier_value, 256),
      CASE WHEN length(r.target_type) > 256 THEN r.target_type END,
      CASE WHEN length(r.target_id) > 256 THEN r.target_id END,
      CASE WHEN length(r.identifier_system) > 256 THEN r.identifier_system END,
      CASE WHEN length(r.identifier_value) > 256 THEN r.identifier_value END
    FROM unnest(r_param, r_target_type, r_target_id, r_identifier_system, r_identifier_value)
      AS r(param, target_type, target_id, identifier_system, identifier_value);
  END IF;
  IF cardinality(d_param) > 0 THEN
    INSERT INTO search_date (resource_type, id, param, low, high)
    SELECT p_type, p_id, d.param, d.low::timestamptz, d.high::timestamptz
    FROM unnest(d_param, d_low, d_high) AS d(param, low, high);
  END IF;
  IF cardinality(s_param) > 0 THEN
    INSERT INTO search_string (resource_type, id, param, value, exact, value_full)
    SELECT p_type, p_id, s.param, left(s.value, 256), s.exact,
      CASE WHEN length(s.value) > 256 THEN s.value END
    FROM unnest(s_param, s_value, s_exact) AS s(param, value, exact);
  END IF;
END
$$;
