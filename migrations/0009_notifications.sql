-- Patient notifications (SMS, email): consent, the delivery pipeline's rows, the service-desk
-- worklist, and what the recording provider "sent". HAZ-SILENT-NOTIFY: every notification row
-- ends 'delivered' or 'worklist'; nothing deletes one that has not.

-- SMS and email consent per patient. No row = not yet asked = both allowed (service messages
-- about the patient's own care); the portal's preferences page writes a row.
CREATE TABLE notification_preference (
  patient text PRIMARY KEY CHECK (patient ~ '^Patient/[A-Za-z0-9.-]{1,64}$'),
  sms_consent boolean NOT NULL,
  email_consent boolean NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE notification (
  id uuid PRIMARY KEY,
  -- One notification per key however often it is asked for (`event:<event id>` for events).
  dedupe_key text NOT NULL UNIQUE,
  patient text NOT NULL,
  template text NOT NULL,
  -- Template fields only (a date, the portal link): never clinical details.
  personalisation jsonb NOT NULL,
  -- pending: a send is due at next_attempt_at; sending: accepted by the provider, awaiting its
  -- receipt (polled at next_attempt_at); delivered and worklist are final.
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'delivered', 'worklist')),
  -- The channel being tried (or that delivered it) and the failed sends on it so far.
  channel text CHECK (channel IN ('sms', 'email')),
  attempts integer NOT NULL DEFAULT 0,
  -- Channels given up on: [{ "channel": "sms", "reason": "…" }].
  failed jsonb NOT NULL DEFAULT '[]',
  provider_id text,
  accepted_at timestamptz,
  polls integer NOT NULL DEFAULT 0,
  -- Not to be sent before (a result becomes visible then).
  not_before timestamptz NOT NULL,
  next_attempt_at timestamptz NOT NULL,
  -- The pg-boss job responsible for the next step; any other job for this row does nothing.
  job_id uuid,
  last_error text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  finished_at timestamptz
);
CREATE INDEX notification_due ON notification (next_attempt_at) WHERE state IN ('pending', 'sending');
CREATE INDEX notification_patient ON notification (patient, created_at);

-- What happened to each send, in order: for the service desk and for tests.
CREATE TABLE notification_attempt (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  notification_id uuid NOT NULL REFERENCES notification (id) ON DELETE CASCADE,
  channel text NOT NULL CHECK (channel IN ('sms', 'email')),
  -- accepted | delivered | temporary-failure | permanent-failure | technical-failure |
  -- refused-temporary | refused-permanent | overdue | quiet-hours
  outcome text NOT NULL,
  provider_id text,
  detail text,
  at timestamptz NOT NULL
);
CREATE INDEX notification_attempt_notification ON notification_attempt (notification_id, id);

-- Notifications that could not be delivered: a person contacts the patient another way.
CREATE TABLE notification_worklist (
  id uuid PRIMARY KEY,
  notification_id uuid NOT NULL UNIQUE REFERENCES notification (id),
  patient text NOT NULL,
  template text NOT NULL,
  channels_tried jsonb NOT NULL,
  reason text NOT NULL,
  created_at timestamptz NOT NULL,
  resolved_at timestamptz,
  resolved_by text,
  resolution_note text
);
CREATE INDEX notification_worklist_open ON notification_worklist (created_at) WHERE resolved_at IS NULL;

-- The recording provider (no NOTIFY_BASE_URL): every message it would have sent, rendered.
CREATE TABLE notification_recorded (
  id uuid PRIMARY KEY,
  channel text NOT NULL CHECK (channel IN ('sms', 'email')),
  recipient text NOT NULL,
  template text NOT NULL,
  reference text,
  subject text,
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notification_recorded_created ON notification_recorded (created_at);
