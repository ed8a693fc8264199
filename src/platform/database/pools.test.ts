import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { withSessionSettings } from './pools.js';

/** What node-postgres will send as the `options` startup parameter for this connection string. */
const startupOptions = (url: string) =>
  (new pg.Client({ connectionString: url }) as unknown as { connectionParameters: { options?: string } })
    .connectionParameters.options;

describe('withSessionSettings', () => {
  it('sends each setting as a startup option, leaving the rest of the URL as it was', () => {
    const url = withSessionSettings(
      'postgres://app:p%40ss@db.internal:6432/pathways?application_name=pathways',
      {
        statement_timeout: 0,
        plan_cache_mode: 'force_custom_plan',
      },
    );
    expect(startupOptions(url)).toBe('-c statement_timeout=0 -c plan_cache_mode=force_custom_plan');
    const client = new pg.Client({ connectionString: url });
    expect([client.host, client.port, client.user, client.database, client.password]).toEqual([
      'db.internal',
      6432,
      'app',
      'pathways',
      'p@ss',
    ]);
  });

  it("keeps the operator's own options in front, so ours win where both name a setting", () => {
    const url = withSessionSettings('postgres://db/p?options=-c%20search_path%3Dclinical', {
      statement_timeout: 5000,
    });
    expect(startupOptions(url)).toBe('-c search_path=clinical -c statement_timeout=5000');
  });

  it('refuses a value that would not survive as one option', () => {
    expect(() => withSessionSettings('postgres://db/p', { search_path: 'a b' })).toThrow(/startup option/);
  });
});
