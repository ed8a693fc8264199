/**
 * The register's practitioners over HTTP on both databases: the Practitioner rules (professional
 * numbers, uniqueness, concurrency, conditional writes) and who may change the register. Roles and
 * the searches integrators use are in register-roles.test.ts.
 */
import type { Practitioner } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { databaseKinds } from '../../test/databases.js';
import {
  codeOf,
  freshNumber,
  practitionerBody,
  registerHarness,
  roleBody,
} from '../../test/support/register/api.js';
import { SDS_USER_ID_SYSTEM } from '../../test/support/register/systems.js';
import { GMC_NUMBER, NMC_NUMBER } from './systems.js';

describe.each(databaseKinds)('the register on %s: practitioners and who may change them', (kind) => {
  const r = registerHarness(kind);

  describe('Practitioner', () => {
    it('registers a practitioner with a professional number and keeps other identifiers as given', async () => {
      const gmc = freshNumber();
      const response = await r.call(
        r.asRegistrar,
        'POST',
        '/fhir/R4/Practitioner',
        practitionerBody(gmc, {
          identifier: [
            { system: SDS_USER_ID_SYSTEM, value: '555086689106' },
            { system: GMC_NUMBER, value: gmc },
            { system: 'https://fhir.hl7.org.uk/Id/din-number', value: '977677', use: 'secondary' },
          ],
        }),
      );
      expect(response.statusCode, response.body).toBe(201);
      expect(response.headers.etag).toBe('W/"1"');
      expect(response.headers.location).toMatch(/\/fhir\/R4\/Practitioner\/[^/]+\/_history\/1$/);
      const created = response.json() as Practitioner;
      expect(created.identifier).toEqual([
        { system: SDS_USER_ID_SYSTEM, value: '555086689106' },
        { system: GMC_NUMBER, value: gmc },
        { system: 'https://fhir.hl7.org.uk/Id/din-number', value: '977677', use: 'secondary' },
      ]);
      const audit = await r.t.pathways.db.query<{ content: string }>(
        `SELECT content FROM audit_event WHERE content LIKE $1`,
        [`%Practitioner/${created.id}/_history/1%`],
      );
      expect(audit.rows).toHaveLength(1);
      expect(JSON.parse(audit.rows[0]!.content).agent[0].who.reference).toBe('Practitioner/test-registrar');
    });

    it('refuses a practitioner without a professional number, or with a malformed one, storing nothing', async () => {
      const before = await r.count('Practitioner');
      const none = await r.call(r.asRegistrar, 'POST', '/fhir/R4/Practitioner', {
        resourceType: 'Practitioner',
        identifier: [{ system: SDS_USER_ID_SYSTEM, value: '1234' }],
      });
      expect(none.statusCode).toBe(400);
      expect(codeOf(none)).toBe('MISSING_VALUE');
      expect(none.json().issue[0].expression).toEqual(['Practitioner.identifier']);
      const lower = await r.call(
        r.asRegistrar,
        'POST',
        '/fhir/R4/Practitioner',
        practitionerBody('12a3456e'),
      );
      expect(lower.statusCode).toBe(400);
      expect(codeOf(lower)).toBe('INVALID_VALUE');
      const put = await r.call(r.asRegistrar, 'PUT', '/fhir/R4/Practitioner/no-number', {
        resourceType: 'Practitioner',
        id: 'no-number',
      });
      expect(put.statusCode).toBe(400);
      expect(await r.count('Practitioner')).toBe(before);
    });

    it('refuses a professional number already registered to another practitioner with 409', async () => {
      const gmc = freshNumber();
      const first = await r.createPractitioner(gmc);
      const before = await r.count('Practitioner');
      const again = await r.call(r.asRegistrar, 'POST', '/fhir/R4/Practitioner', practitionerBody(gmc));
      expect(again.statusCode).toBe(409);
      expect(codeOf(again)).toBe('CONFLICT');
      expect(again.json().issue[0].diagnostics).toContain(`Practitioner/${first.id}`);
      expect(again.json().issue[0].expression).toEqual(['Practitioner.identifier[0]']);
      const viaPut = await r.call(r.asRegistrar, 'PUT', '/fhir/R4/Practitioner/other-one', {
        ...practitionerBody(freshNumber()),
        id: 'other-one',
        identifier: [
          { system: NMC_NUMBER, value: '12A3456E' },
          { system: GMC_NUMBER, value: gmc },
        ],
      });
      expect(viaPut.statusCode).toBe(409);
      expect(await r.count('Practitioner')).toBe(before);
    });

    it('keeps the same number on an update of the same practitioner, and lets a number move once freed', async () => {
      const gmc = freshNumber();
      const created = await r.createPractitioner(gmc);
      const updated = await r.call(r.asRegistrar, 'PUT', `/fhir/R4/Practitioner/${created.id}`, {
        ...created,
        name: [{ family: 'Renamed' }],
      });
      expect(updated.statusCode, updated.body).toBe(200);
      expect(updated.headers.etag).toBe('W/"2"');
      // The number is dropped from this practitioner: another may now hold it.
      const otherNumber = freshNumber();
      const dropped = await r.call(r.asRegistrar, 'PUT', `/fhir/R4/Practitioner/${created.id}`, {
        ...created,
        identifier: [{ system: GMC_NUMBER, value: otherNumber }],
      });
      expect(dropped.statusCode).toBe(200);
      await r.createPractitioner(gmc);
    });

    it('lets only one of two registrars registering the same number at once succeed', async () => {
      const gmc = freshNumber();
      const before = await r.count('Practitioner');
      const [a, b] = await Promise.all([
        r.call(r.asRegistrar, 'POST', '/fhir/R4/Practitioner', practitionerBody(gmc)),
        r.call(r.asRegistrar, 'PUT', '/fhir/R4/Practitioner/racing-registrar', {
          ...practitionerBody(gmc),
          id: 'racing-registrar',
        }),
      ]);
      // A PUT with a new id creates (201) just like the POST: exactly one of them wins.
      expect([a.statusCode, b.statusCode].sort()).toEqual([201, 409]);
      expect(await r.count('Practitioner')).toBe(before + 1);
      const holders = await r.t.pathways.db.query<{ id: string }>(
        `SELECT id FROM search_token WHERE resource_type = 'Practitioner' AND param = 'identifier' AND value = $1`,
        [gmc],
      );
      expect(holders.rows).toHaveLength(1);
    });

    it('honours If-Match and If-None-Exist like the generic API', async () => {
      const gmc = freshNumber();
      const created = await r.createPractitioner(gmc);
      const stale = await r.t.pathways.app.inject({
        method: 'PUT',
        url: `/fhir/R4/Practitioner/${created.id}`,
        headers: {
          'content-type': 'application/fhir+json',
          authorization: r.asRegistrar,
          'if-match': 'W/"7"',
        },
        payload: JSON.stringify(created),
      });
      expect(stale.statusCode).toBe(412);
      const conditional = await r.t.pathways.app.inject({
        method: 'POST',
        url: '/fhir/R4/Practitioner',
        headers: {
          'content-type': 'application/fhir+json',
          authorization: r.asRegistrar,
          'if-none-exist': `identifier=${GMC_NUMBER}|${gmc}`,
        },
        payload: JSON.stringify(practitionerBody(gmc)),
      });
      expect(conditional.statusCode).toBe(200);
      expect(conditional.json().id).toBe(created.id);
    });
  });

  describe('who may change the register', () => {
    it('refuses the prescriber, dispenser and patient roles with 403 and stores nothing', async () => {
      const practitioner = await r.createPractitioner();
      const before = [await r.count('Practitioner'), await r.count('PractitionerRole')];
      const callers = [
        await r.t.bearer({
          roles: ['prescriber'],
          fhirUser: `Practitioner/${practitioner.id}`,
          org: 'A83008',
        }),
        await r.t.bearer({ roles: ['dispenser'], org: 'FCG71' }),
        await r.t.bearer({ roles: ['patient'], fhirUser: 'Patient/someone' }),
        await r.t.bearer({ roles: ['admin'] }),
      ];
      for (const who of callers) {
        const writes = [
          await r.call(who, 'POST', '/fhir/R4/Practitioner', practitionerBody(freshNumber())),
          await r.call(who, 'PUT', `/fhir/R4/Practitioner/${practitioner.id}`, practitioner),
          await r.call(who, 'POST', '/fhir/R4/PractitionerRole', roleBody(practitioner.id!)),
          await r.call(who, 'PUT', '/fhir/R4/PractitionerRole/x1', {
            ...roleBody(practitioner.id!),
            id: 'x1',
          }),
        ];
        for (const response of writes) {
          expect(response.statusCode).toBe(403);
          expect(codeOf(response)).toBe('FORBIDDEN');
        }
      }
      expect([await r.count('Practitioner'), await r.count('PractitionerRole')]).toEqual(before);
    });

    it('challenges a registrar without a recent one-time code (RFC 9470) and without a token at all', async () => {
      const practitioner = await r.createPractitioner();
      const stale = await r.t.bearer({
        roles: ['registrar'],
        authTime: Math.floor(Date.now() / 1000) - 3600,
      });
      const noOtp = await r.t.bearer({ roles: ['registrar'], amr: ['pwd'] });
      for (const who of [stale, noOtp]) {
        for (const response of [
          await r.call(who, 'POST', '/fhir/R4/Practitioner', practitionerBody(freshNumber())),
          await r.call(who, 'POST', '/fhir/R4/PractitionerRole', roleBody(practitioner.id!)),
        ]) {
          expect(response.statusCode).toBe(401);
          expect(response.headers['www-authenticate']).toContain('error="insufficient_user_authentication"');
          expect(response.headers['www-authenticate']).toContain('max_age=900');
        }
      }
      const anonymous = await r.call(
        undefined,
        'POST',
        '/fhir/R4/Practitioner',
        practitionerBody(freshNumber()),
      );
      expect(anonymous.statusCode).toBe(401);
    });
  });
});
