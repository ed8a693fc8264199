-- The feed to the legacy claims system (src/feed): the EC P-256 key that signs every request to
-- the ePMS (RFC 9421). One key for all replicas: the first replica to start inserts it, the others
-- read it. The private half is sealed with the service secret key (never stored in clear); the
-- public half is served at GET /pki/feed.pem and named by its RFC 7638 thumbprint (keyid).
CREATE TABLE feed_signing_key (
  slot text PRIMARY KEY DEFAULT 'current' CHECK (slot = 'current'),
  keyid text NOT NULL,
  public_pem text NOT NULL,
  private_pem_sealed text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
