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

-- Every way rows reach these tables (search_index_replace, the one-statement write functions,
-- the compartment backfill, whatever comes next) goes through these triggers, which cut a long
-- value to its prefix and keep the whole beside it. Values within the prefix pass untouched.
CREATE FUNCTION search_token_cut_long() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF length(NEW.value) > 256 THEN
    NEW.value_full := NEW.value;
    NEW.value := left(NEW.value, 256);
  END IF;
  IF length(NEW.system) > 256 THEN
    NEW.system_full := NEW.system;
    NEW.system := left(NEW.system, 256);
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER search_token_cut_long BEFORE INSERT ON search_token
  FOR EACH ROW EXECUTE FUNCTION search_token_cut_long();

CREATE FUNCTION search_reference_cut_long() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF length(NEW.target_type) > 256 THEN
    NEW.target_type_full := NEW.target_type;
    NEW.target_type := left(NEW.target_type, 256);
  END IF;
  IF length(NEW.target_id) > 256 THEN
    NEW.target_id_full := NEW.target_id;
    NEW.target_id := left(NEW.target_id, 256);
  END IF;
  IF length(NEW.identifier_system) > 256 THEN
    NEW.identifier_system_full := NEW.identifier_system;
    NEW.identifier_system := left(NEW.identifier_system, 256);
  END IF;
  IF length(NEW.identifier_value) > 256 THEN
    NEW.identifier_value_full := NEW.identifier_value;
    NEW.identifier_value := left(NEW.identifier_value, 256);
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER search_reference_cut_long BEFORE INSERT ON search_reference
  FOR EACH ROW EXECUTE FUNCTION search_reference_cut_long();

CREATE FUNCTION search_string_cut_long() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF length(NEW.value) > 256 THEN
    NEW.value_full := NEW.value;
    NEW.value := left(NEW.value, 256);
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER search_string_cut_long BEFORE INSERT ON search_string
  FOR EACH ROW EXECUTE FUNCTION search_string_cut_long();
