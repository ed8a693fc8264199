-- The right-to-prescribe register and its PKI (src/register).

-- Rights are judged from a PractitionerRole's history (src/register/rights/rights.ts): find every
-- role that ever named a practitioner without reading the other rows of the history table. Only
-- PractitionerRole rows are parsed and indexed; tombstones have no practitioner and index NULL.
CREATE INDEX fhir_resource_history_role_practitioner ON fhir_resource_history
  (((content::jsonb) #>> '{practitioner,reference}'), id)
  WHERE resource_type = 'PractitionerRole';

-- The CA that issues prescriber certificates and the root above it, when Pathways generates them
-- (PKI_CA_CERT_FILE unset). Private keys are PKCS#8 sealed by the secret box; every replica
-- loads the same rows.
CREATE TABLE pki_ca (
  role text PRIMARY KEY CHECK (role IN ('root', 'issuing')),
  certificate_der bytea NOT NULL,
  private_key_sealed text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Every certificate issued, bound to the Practitioner it was issued to. serial_number is lower-case
-- hex without leading zeros; issuer_key_id is the issuing CA's subject key identifier (hex), so a
-- CA replaced by configuration never vouches for the old one's certificates.
CREATE TABLE pki_certificate (
  serial_number text PRIMARY KEY,
  practitioner_id text NOT NULL,
  issuer_key_id text NOT NULL,
  not_before timestamptz NOT NULL,
  not_after timestamptz NOT NULL,
  der bytea NOT NULL,
  -- true when the private key is the service's own (remote signing), false for a CSR's key.
  remote boolean NOT NULL DEFAULT false,
  issued_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  -- RFC 5280 CRLReason name (keyCompromise, superseded, ...).
  revocation_reason text,
  CHECK ((revoked_at IS NULL) = (revocation_reason IS NULL))
);
CREATE INDEX pki_certificate_practitioner ON pki_certificate (practitioner_id);
CREATE INDEX pki_certificate_revoked ON pki_certificate (issuer_key_id, serial_number) WHERE revoked_at IS NOT NULL;

-- The signing key the service holds for a practitioner without their own (remote signing), sealed.
CREATE TABLE pki_remote_key (
  practitioner_id text PRIMARY KEY,
  serial_number text NOT NULL REFERENCES pki_certificate (serial_number),
  private_key_sealed text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- The current CRL of each issuing CA, served at /pki/crl and re-signed on every revocation and
-- before it goes stale. crl_number only ever grows (RFC 5280 5.2.3).
CREATE TABLE pki_crl (
  issuer_key_id text PRIMARY KEY,
  crl_number bigint NOT NULL,
  this_update timestamptz NOT NULL,
  next_update timestamptz NOT NULL,
  der bytea NOT NULL
);
