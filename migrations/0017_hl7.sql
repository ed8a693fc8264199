-- HL7 v2 over MLLP (src/hl7): every message received, as received, with its outcome and the
-- acknowledgement we sent. MSH-3 + MSH-4 + MSH-10 is the message's key: a resend of a message
-- already applied is answered with the stored ACK and changes nothing. Messages that could not be
-- applied (status 'failed') are the dead-letter list an administrator reads and re-drives.
CREATE TABLE hl7_message (
  id bigserial PRIMARY KEY,
  sending_application text NOT NULL,
  sending_facility text NOT NULL,
  control_id text NOT NULL,
  message_type text NOT NULL,
  trigger_event text NOT NULL,
  message_time timestamptz,
  received_at timestamptz NOT NULL DEFAULT now(),
  raw text NOT NULL,
  status text NOT NULL CHECK (status IN ('received', 'applied', 'failed', 'rejected')),
  ack text,
  error text,
  error_location text,
  attempts integer NOT NULL DEFAULT 1,
  applied_at timestamptz,
  -- References of the resources the message created or changed.
  resources jsonb NOT NULL DEFAULT '[]'::jsonb,
  UNIQUE (sending_application, sending_facility, control_id)
);
CREATE INDEX hl7_message_failed ON hl7_message (received_at) WHERE status = 'failed';

-- When the hospital last changed each resource a feed writes (EVN-2, else MSH-7): a message older
-- than what is stored does not overwrite newer data.
CREATE TABLE hl7_resource_source (
  resource_type text NOT NULL,
  id text NOT NULL,
  source_time timestamptz NOT NULL,
  message_id bigint NOT NULL,
  PRIMARY KEY (resource_type, id)
);
