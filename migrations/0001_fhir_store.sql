-- FHIR resource store: the current version of each resource, and every version in history.
-- Content is kept as the exact JSON text served to clients, so a read returns it unparsed.
CREATE TABLE fhir_resource (
  resource_type text NOT NULL,
  id text NOT NULL,
  version_id bigint NOT NULL,
  last_updated timestamptz NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  content text NOT NULL,
  PRIMARY KEY (resource_type, id)
);
CREATE INDEX fhir_resource_last_updated ON fhir_resource (resource_type, last_updated, id);

CREATE TABLE fhir_resource_history (
  resource_type text NOT NULL,
  id text NOT NULL,
  version_id bigint NOT NULL,
  last_updated timestamptz NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  content text NOT NULL,
  PRIMARY KEY (resource_type, id, version_id)
);
