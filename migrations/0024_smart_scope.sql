-- SMART App Launch: the scope an app asked for at /oauth2/authorize rides with the sign-in and
-- its authorization code to the token endpoint, which grants what fits the account.
ALTER TABLE login_session ADD COLUMN scope text;
ALTER TABLE authorization_code ADD COLUMN scope text;
