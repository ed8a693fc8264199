-- Sign-in abuse (src/identity/signin, src/identity/oauth/revocations.ts; issue 17 section 5).

-- Failed sign-ins per username, whether or not an account has that username, so that an unknown
-- username locks exactly as a known one. A username is stored only as an HMAC under a key derived
-- from the service key (people type passwords into the username box). `source` is '*' for the
-- count over every address (the account-level lock) or one client address (an IPv4 address or an
-- IPv6 /64), whose own lock keeps one address from locking the account for everyone else.
-- Rows are forgotten 24 hours after their last failure unless locked until unlocked, and the
-- table is capped (failure-store.ts).
CREATE TABLE signin_failure (
  username_key text NOT NULL,
  source text NOT NULL,
  failed_count integer NOT NULL,
  locked_until timestamptz,
  last_failed_at timestamptz NOT NULL,
  PRIMARY KEY (username_key, source)
);
CREATE INDEX signin_failure_last_failed ON signin_failure (last_failed_at);

-- Every replica polls the recently revoked refresh families (each access token names its family
-- in `sid`), so that a revocation stops live access tokens within seconds everywhere.
CREATE INDEX oauth_refresh_family_revoked ON oauth_refresh_family (revoked_at) WHERE revoked_at IS NOT NULL;
-- The client address (as signin_failure.source) the session was started from: a lockout of that
-- address out of the username ends the sessions started there, and no others.
ALTER TABLE oauth_refresh_family ADD COLUMN source text;

-- The username is an email address the holder proved during enrolment: a channel for unlocking
-- the account. Accounts made before this migration, and staff accounts, have no such channel.
ALTER TABLE account ADD COLUMN email_verified boolean NOT NULL DEFAULT false;
