-- OAuth 2.0 authorisation server: token-signing keys, refresh-token families, system clients and
-- the replay cache of client assertions (src/identity/oauth).

-- ES256 keys that sign access tokens. The private JWK is sealed by the application's secret box
-- (never stored in clear). A key signs while retired_at IS NULL; after rotation it stays in the
-- JWKS until expires_at, when every token it signed has expired.
CREATE TABLE oauth_signing_key (
  kid text PRIMARY KEY,
  alg text NOT NULL DEFAULT 'ES256',
  public_jwk jsonb NOT NULL,
  private_jwk_sealed text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz,
  expires_at timestamptz,
  CHECK ((retired_at IS NULL) = (expires_at IS NULL))
);
-- Exactly one active key: replicas racing to create the first key or to rotate cannot both win.
CREATE UNIQUE INDEX oauth_signing_key_one_active ON oauth_signing_key ((true)) WHERE retired_at IS NULL;

-- One family per interactive sign-in. Every refresh token descends from it; reuse of a spent
-- token revokes the family. auth_time and amr are those of the sign-in, so a refresh never
-- creates a step-up that did not happen.
CREATE TABLE oauth_refresh_family (
  id uuid PRIMARY KEY,
  account_id text NOT NULL,
  client_id text,
  -- The authorization code it was issued from: a replayed code revokes it (RFC 6749 4.1.2).
  code_id text,
  scope text NOT NULL,
  auth_time timestamptz NOT NULL,
  amr text[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Absolute lifetime: no refresh after this, however active the session.
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  revoked_reason text
);
CREATE INDEX oauth_refresh_family_account ON oauth_refresh_family (account_id) WHERE revoked_at IS NULL;
CREATE INDEX oauth_refresh_family_code ON oauth_refresh_family (code_id) WHERE code_id IS NOT NULL;

-- Refresh tokens are stored as SHA-256 hashes (the tokens are 256-bit random, so a plain hash is
-- enough: nothing to brute-force). used_at is set when a token has been exchanged.
CREATE TABLE oauth_refresh_token (
  token_hash bytea PRIMARY KEY,
  family_id uuid NOT NULL REFERENCES oauth_refresh_family (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Idle lifetime: a token not used by then is dead.
  idle_expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX oauth_refresh_token_family ON oauth_refresh_token (family_id);

-- System clients (client_credentials with private_key_jwt): public keys only.
CREATE TABLE oauth_client (
  client_id text PRIMARY KEY,
  name text NOT NULL,
  jwks jsonb NOT NULL,
  scope text NOT NULL,
  roles text[] NOT NULL DEFAULT '{}',
  org text,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Client-assertion jti values seen, kept until the assertion expires (RFC 7523 3: replay).
CREATE TABLE oauth_client_assertion (
  client_id text NOT NULL,
  jti text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (client_id, jti)
);
CREATE INDEX oauth_client_assertion_expiry ON oauth_client_assertion (expires_at);
