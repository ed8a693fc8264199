/**
 * Bench only: loaded into the server child with `--import` by the auth suite. It installs a
 * module hook (noauth-hooks.mjs) that gives the service noauth-verify.ts wherever it imports
 * src/platform/auth/verify.ts, so that SIGHUP can switch token verification off and on in the
 * running server (see noauth-verify.ts). Never load it anywhere else.
 */
import { register } from 'node:module';

register('./noauth-hooks.mjs', import.meta.url);
