/** `pathways views run` against both databases: a view file or a shipped view, CSV out, clear errors. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../test/databases.js';
import { createResource } from '../../platform/fhir/store/repository.js';
import { pseudonymFunction } from '../pseudonymise/pseudonym-key.js';
import { runViewsCli } from './views-cli.js';

describe.each(databaseKinds)('pathways views run on %s', (kind) => {
  let database: TestDatabase;
  let folder: string;
  let viewFile: string;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    folder = await mkdtemp(path.join(os.tmpdir(), 'pathways-views-'));
    viewFile = path.join(folder, 'view.json');
    await writeFile(
      viewFile,
      JSON.stringify({
        resourceType: 'ViewDefinition',
        resource: 'Patient',
        select: [
          {
            column: [
              { name: 'id', path: 'getResourceKey()' },
              { name: 'gender', path: 'gender' },
            ],
          },
        ],
      }),
    );
    await database.db.transaction(async (tx) => {
      await createResource(tx, { resourceType: 'Patient', gender: 'female' }, { id: 'p-1' });
      await createResource(tx, { resourceType: 'Patient', gender: 'male' }, { id: 'p-2' });
    });
  });

  afterAll(async () => {
    await database?.dispose();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  async function cli(args: string[]) {
    let out = '';
    const errors: string[] = [];
    const code = await runViewsCli(database.db, args, {
      write: async (chunk) => {
        out += chunk;
      },
      error: (line) => errors.push(line),
      pseudonym: () => pseudonymFunction(Buffer.alloc(32, 3)),
    });
    return { code, out, errors };
  }

  it('writes a view file’s rows as CSV', async () => {
    expect(await cli([viewFile, '--format', 'csv'])).toEqual({
      code: 0,
      out: 'id,gender\np-1,female\np-2,male\n',
      errors: [],
    });
  });

  it('pseudonymises when asked', async () => {
    const { code, out } = await cli([viewFile, '--format', 'ndjson', '--pseudonymise']);
    expect(code).toBe(0);
    const ids = out
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line).id);
    expect(ids).toHaveLength(2);
    expect(ids.every((id: string) => /^[0-9a-f]{32}$/.test(id))).toBe(true);
  });

  it('runs a shipped view by name (an empty database gives the header alone)', async () => {
    const { code, out } = await cli(['items_prescribed', '--format', 'csv']);
    expect(code).toBe(0);
    expect(out).toBe('item_id,prescription_id,day,authored_on,organisation,dmd_code,status,patient_id\n');
  });

  it('says what is wrong, with exit 2', async () => {
    for (const args of [
      [],
      [path.join(folder, 'missing.json')],
      [viewFile, '--format', 'xml'],
      [viewFile, '--bogus'],
    ]) {
      const { code, errors } = await cli(args);
      expect(code, args.join(' ')).toBe(2);
      expect(errors).toHaveLength(1);
    }
  });
});
