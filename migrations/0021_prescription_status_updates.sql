-- Prescription status updates from pharmacy systems (the shape of NHS England's Prescription
-- Status Update API: a Task per item with a businessStatus such as "Ready to Collect"). Kept per
-- update: the tracker shows the latest per item in plain words; the same update twice is refused
-- (by its identifier, or the same item, status and lastModified again); `notified` records the
-- "ready to collect" messages sent, for the cool-down.
CREATE TABLE prescription_status_update (
  update_id text PRIMARY KEY,
  short_form_id text NOT NULL REFERENCES prescription (short_form_id),
  item_id text NOT NULL,
  pharmacy text NOT NULL,
  business_status text NOT NULL,
  task_status text NOT NULL,
  last_modified timestamptz NOT NULL,
  notified boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX prescription_status_update_same
  ON prescription_status_update (short_form_id, item_id, business_status, last_modified);
CREATE INDEX prescription_status_update_latest
  ON prescription_status_update (short_form_id, last_modified DESC);
