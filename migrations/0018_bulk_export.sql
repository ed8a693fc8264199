-- FHIR Bulk Data $export (src/analytics/export). One row per export request, with the job's
-- checkpoint (which type, the last id written, how far into which file), so an export interrupted
-- by a restart resumes where its last committed batch ended. The NDJSON files live in EXPORT_DIR;
-- bulk_export_file records how many bytes of each are committed.
CREATE TABLE bulk_export (
  id uuid PRIMARY KEY,
  -- system | patient | group
  level text NOT NULL,
  group_id text,
  -- a Group export: the member patients' ids, fixed at kick-off
  patient_ids text[],
  resource_types text[] NOT NULL,
  since timestamptz,
  -- [{"type": "MedicationRequest", "query": "status=active"}, …]
  type_filters jsonb NOT NULL DEFAULT '[]',
  pseudonymised boolean NOT NULL,
  request_url text NOT NULL,
  -- the token `sub` that asked: only they poll, download and cancel
  requested_by text NOT NULL,
  transaction_time timestamptz NOT NULL,
  -- in-progress | completed | failed | cancelled
  status text NOT NULL,
  -- the checkpoint: resource_types[type_index], ids after last_id
  type_index integer NOT NULL DEFAULT 0,
  last_id text,
  exported bigint NOT NULL DEFAULT 0,
  -- the run that owns the checkpoint; a run that finds another's token here stops
  run_token uuid,
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  -- files and row are removed after this (retention)
  expires_at timestamptz
);
CREATE INDEX bulk_export_expiry ON bulk_export (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE bulk_export_file (
  export_id uuid NOT NULL REFERENCES bulk_export (id) ON DELETE CASCADE,
  file_name text NOT NULL,
  resource_type text NOT NULL,
  part integer NOT NULL,
  resource_count bigint NOT NULL DEFAULT 0,
  -- bytes committed: a resumed run truncates the file to this length
  bytes bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (export_id, file_name)
);
