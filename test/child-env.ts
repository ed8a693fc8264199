/**
 * The environment a service started as a child process (process tests, benchmarks) inherits from
 * the runner: only what any process needs, so none of the service's own settings (docs/api.md
 * section 1 and every capability's) leaks in from the runner's shell; the caller passes those.
 */
const INHERITED = ['PATH', 'HOME', 'USER', 'TMPDIR', 'TMP', 'TEMP', 'LANG', 'LC_ALL', 'TZ', 'SHELL'];

export function childEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}
