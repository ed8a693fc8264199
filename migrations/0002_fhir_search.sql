-- FHIR search index: one narrow table per search parameter type, rows keyed by the resource they
-- came from (resource_type, id) and the search parameter code. Rows are replaced whole on every
-- write of the resource, so none of these tables needs a primary key; each has one index that
-- serves searches and one (resource_type, id, param) that serves deletes, _include and _sort.

-- token and uri parameters: codes, Codings, CodeableConcepts, Identifiers, booleans, ContactPoints.
-- system is NULL when the value has none (plain code, boolean, uri).
CREATE TABLE search_token (
  resource_type text NOT NULL,
  id text NOT NULL,
  param text NOT NULL,
  system text,
  value text NOT NULL
);
-- value before system: `code` alone is the most common query, `system|code` narrows it further.
-- id is a key column so that a search answers from the index alone.
CREATE INDEX search_token_lookup ON search_token (resource_type, param, value, system, id);
CREATE INDEX search_token_source ON search_token (resource_type, id, param);

-- reference parameters. A Reference may carry a literal reference (target_type/target_id, or the
-- raw reference in target_id with target_type NULL when it is not of the form Type/id), a logical
-- identifier (identifier_system/identifier_value, EPS uses these everywhere), or both.
CREATE TABLE search_reference (
  resource_type text NOT NULL,
  id text NOT NULL,
  param text NOT NULL,
  target_type text,
  target_id text,
  identifier_system text,
  identifier_value text
);
CREATE INDEX search_reference_target ON search_reference (resource_type, param, target_id, target_type, id)
  WHERE target_id IS NOT NULL;
CREATE INDEX search_reference_identifier ON search_reference
  (resource_type, param, identifier_value, identifier_system, id)
  WHERE identifier_value IS NOT NULL;
CREATE INDEX search_reference_source ON search_reference (resource_type, id, param);

-- date parameters as half-open instants [low, high): '2024-05' is [2024-05-01, 2024-06-01).
-- An open Period end is 'infinity', an open start '-infinity'.
CREATE TABLE search_date (
  resource_type text NOT NULL,
  id text NOT NULL,
  param text NOT NULL,
  low timestamptz NOT NULL,
  high timestamptz NOT NULL
);
CREATE INDEX search_date_lookup ON search_date (resource_type, param, low, high, id);
CREATE INDEX search_date_source ON search_date (resource_type, id, param);

-- string parameters: value is lower-case with accents stripped (for the default starts-with and
-- :contains), exact is the text as written (for :exact, checked after the index narrowed on value).
CREATE TABLE search_string (
  resource_type text NOT NULL,
  id text NOT NULL,
  param text NOT NULL,
  value text NOT NULL,
  exact text NOT NULL
);
-- text_pattern_ops makes `value LIKE 'smi%'` an index range scan whatever the database collation.
CREATE INDEX search_string_lookup ON search_string (resource_type, param, value text_pattern_ops, id);
CREATE INDEX search_string_source ON search_string (resource_type, id, param);

-- Replaces every index row of one resource. A function rather than a statement sent by the
-- application: PL/pgSQL keeps the plans of these statements for the life of the connection, so a
-- write pays neither parsing nor planning (about half the cost of a one-statement CTE version).
-- Dates arrive as text ('infinity' included) and are cast here.
CREATE FUNCTION search_index_replace(
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
    INSERT INTO search_token (resource_type, id, param, system, value)
    SELECT p_type, p_id, t.param, t.system, t.value FROM unnest(t_param, t_system, t_value) AS t(param, system, value);
  END IF;
  IF cardinality(r_param) > 0 THEN
    INSERT INTO search_reference (resource_type, id, param, target_type, target_id, identifier_system, identifier_value)
    SELECT p_type, p_id, r.param, r.target_type, r.target_id, r.identifier_system, r.identifier_value
    FROM unnest(r_param, r_target_type, r_target_id, r_identifier_system, r_identifier_value)
      AS r(param, target_type, target_id, identifier_system, identifier_value);
  END IF;
  IF cardinality(d_param) > 0 THEN
    INSERT INTO search_date (resource_type, id, param, low, high)
    SELECT p_type, p_id, d.param, d.low::timestamptz, d.high::timestamptz
    FROM unnest(d_param, d_low, d_high) AS d(param, low, high);
  END IF;
  IF cardinality(s_param) > 0 THEN
    INSERT INTO search_string (resource_type, id, param, value, exact)
    SELECT p_type, p_id, s.param, s.value, s.exact FROM unnest(s_param, s_value, s_exact) AS s(param, value, exact);
  END IF;
END
$$;
