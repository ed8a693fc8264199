/**
 * The order's signer lookup (signer-at.ts) finds the signing certificate by its serial number and
 * its very bytes, compared in the database, in the one statement that also reads the prescriber
 * and their role history: a certificate whose bytes are not the ones the register issued under its
 * serial is not trusted, however its serial matches (HAZ-NO-RIGHT).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../test/databases.js';
import { usePkiApi } from '../../test/support/register/pki-api.js';
import type { Queryable } from '../platform/database/database.js';
import { SIGNER_SQL, type SignerQuery } from './signer-at.js';

/** Counts the statements the lookup runs. */
function counting(q: Queryable): Queryable & { statements: string[] } {
  const statements: string[] = [];
  return {
    statements,
    query(sql, params) {
      statements.push(sql);
      return q.query(sql, params);
    },
  };
}

describe.each(databaseKinds)('the signer lookup on %s', (kind) => {
  const api = usePkiApi(kind);
  const lookup = (leafDer: Uint8Array, q: Queryable = api.t.pathways.db) => {
    const query: SignerQuery = { leafDer, sigT: new Date(), identifiers: [], orgOds: 'F00001' };
    return api.pki.signerAt(q, query);
  };

  it('finds the certificate the register issued and whose it is, in one statement', async () => {
    const { certificate, der } = await api.issued(api.practitionerId);
    const q = counting(api.t.pathways.db);
    expect(await lookup(der, q)).toEqual({
      certificate: { ok: true, practitionerId: api.practitionerId, serialNumber: certificate.serialNumber },
      identifiedPractitioner: undefined,
      rights: [],
    });
    expect(q.statements).toHaveLength(1);
  });

  it('does not trust a certificate whose bytes differ from those the register holds under its serial', async () => {
    const presented = await api.issued(api.practitionerId);
    const other = await api.issued(api.practitionerId);
    const db = api.t.pathways.db;
    // The register's row for the presented serial now holds another certificate's bytes.
    await db.query(
      `UPDATE pki_certificate SET der = (SELECT der FROM pki_certificate WHERE serial_number = $2)
       WHERE serial_number = $1`,
      [presented.certificate.serialNumber, other.certificate.serialNumber],
    );
    const refused = { ok: false, code: 'CERTIFICATE_NOT_TRUSTED' };
    expect((await lookup(presented.der)).certificate).toMatchObject(refused);
    expect(await api.check(presented.der, new Date())).toMatchObject(refused);
    // The certificate whose bytes the row holds is still the register's.
    expect((await lookup(other.der)).certificate).toMatchObject({ ok: true });
  });
});

describe.each(databaseKinds.filter((kind) => kind === 'postgres'))('the signer lookup plan on %s', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    await database.db.query(
      `INSERT INTO pki_certificate (serial_number, practitioner_id, issuer_key_id, not_before, not_after, der)
       SELECT to_hex(g), 'p-' || g, 'k', now(), now() + interval '1 day', decode(md5(g::text), 'hex')
       FROM generate_series(1, 5000) g`,
    );
    await database.db.exec('ANALYZE pki_certificate');
  }, 120_000);
  afterAll(() => database?.dispose());

  it('finds the certificate by its primary key, comparing the bytes on the one row found', async () => {
    const plan = await database.db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${SIGNER_SQL}`, [
      '2a',
      [],
      [],
      Buffer.from('d645920e395fedad7bbbed0eca3fe2e0', 'hex'),
    ]);
    const text = plan.rows.map((row) => row['QUERY PLAN']).join('\n');
    expect(text).toContain('pki_certificate_pkey');
    expect(text).not.toContain('Seq Scan on pki_certificate');
  });
});
