/**
 * DELETE of register resources through the generic route and the register's declared rules, on
 * both databases: a registrar with a recent one-time code only, and always audited (a deleted
 * PractitionerRole is a right to prescribe withdrawn).
 */
import { describe, expect, it } from 'vitest';
import { databaseKinds } from '../../test/databases.js';
import { codeOf, registerHarness, roleBody } from '../../test/support/register/api.js';

describe.each(databaseKinds)('the register on %s: deletes', (kind) => {
  const r = registerHarness(kind);

  const auditedDeletes = async (reference: string) => {
    const rows = await r.t.pathways.db.query<{ content: string }>(
      'SELECT content FROM audit_event WHERE content LIKE $1',
      [`%${reference}/_history/%`],
    );
    return rows.rows.map((row) => JSON.parse(row.content)).filter((event) => event.action === 'D');
  };

  const createRole = async () => {
    const practitioner = await r.createPractitioner();
    const created = await r.call(
      r.asRegistrar,
      'POST',
      '/fhir/R4/PractitionerRole',
      roleBody(practitioner.id!),
    );
    expect(created.statusCode, created.body).toBe(201);
    return { practitioner, role: created.json() as { id: string } };
  };

  it('lets a registrar delete a PractitionerRole, audited with the version deleted and who did it', async () => {
    const { role } = await createRole();
    const deleted = await r.call(r.asRegistrar, 'DELETE', `/fhir/R4/PractitionerRole/${role.id}`);
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect((await r.call(r.asRegistrar, 'GET', `/fhir/R4/PractitionerRole/${role.id}`)).statusCode).toBe(410);
    const audited = await auditedDeletes(`PractitionerRole/${role.id}`);
    expect(audited).toHaveLength(1);
    expect(audited[0].entity[0].what.reference).toBe(`PractitionerRole/${role.id}/_history/2`);
    expect(audited[0].agent[0].who.reference).toBe('Practitioner/test-registrar');
    expect(audited[0].outcome).toBe('0');
  });

  it('lets a registrar delete a Practitioner, audited', async () => {
    const practitioner = await r.createPractitioner();
    const deleted = await r.call(r.asRegistrar, 'DELETE', `/fhir/R4/Practitioner/${practitioner.id}`);
    expect(deleted.statusCode).toBe(204);
    expect(await auditedDeletes(`Practitioner/${practitioner.id}`)).toHaveLength(1);
  });

  it('refuses a delete from every other role, and from a registrar without a recent one-time code', async () => {
    const { practitioner, role } = await createRole();
    const others = await Promise.all(
      [
        { roles: ['admin'] as const },
        { roles: ['prescriber'] as const, org: 'A83008' },
        { roles: ['clinician'] as const, org: 'A83008' },
        { roles: ['dispenser'] as const, org: 'FCG71' },
        { roles: ['service-desk'] as const },
        { roles: ['patient'] as const, fhirUser: 'Patient/someone' },
      ].map((input) => r.t.bearer({ ...input, roles: [...input.roles] })),
    );
    for (const token of others) {
      for (const url of [
        `/fhir/R4/PractitionerRole/${role.id}`,
        `/fhir/R4/Practitioner/${practitioner.id}`,
      ]) {
        const refused = await r.call(token, 'DELETE', url);
        expect(refused.statusCode, url).toBe(403);
      }
    }
    const stale = await r.t.bearer({
      roles: ['registrar'],
      fhirUser: 'Practitioner/test-registrar',
      authTime: Math.floor(Date.now() / 1000) - 3600,
    });
    const stepUp = await r.call(stale, 'DELETE', `/fhir/R4/PractitionerRole/${role.id}`);
    expect(stepUp.statusCode).toBe(401);
    const kept = await r.call(r.asRegistrar, 'GET', `/fhir/R4/PractitionerRole/${role.id}`);
    expect(kept.statusCode).toBe(200);
    expect(kept.json().meta.versionId).toBe('1');
    expect(await auditedDeletes(`PractitionerRole/${role.id}`)).toHaveLength(0);
    expect(codeOf(stepUp)).toBeDefined();
  });

  it('refuses register types in transaction Bundles, deletes included', async () => {
    const { role } = await createRole();
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ request: { method: 'DELETE', url: `PractitionerRole/${role.id}` } }],
    };
    const refused = await r.call(r.asRegistrar, 'POST', '/fhir/R4', bundle);
    expect(refused.statusCode).toBe(403);
    expect((await r.call(r.asRegistrar, 'GET', `/fhir/R4/PractitionerRole/${role.id}`)).statusCode).toBe(200);
  });
});
