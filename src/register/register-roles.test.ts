/**
 * The register's PractitionerRoles over HTTP on both databases: prescribing rights at an ODS
 * organisation and their history, and the searches integrators use (by professional number,
 * organisation, practitioner, active).
 */
import type { Bundle, Practitioner, PractitionerRole } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../test/databases.js';
import { codeOf, freshNumber, registerHarness, roleBody } from '../../test/support/register/api.js';
import { GMC_NUMBER, NMC_NUMBER, ODS_SYSTEM, PRESCRIBING_RIGHT_SYSTEM } from './systems.js';

describe.each(databaseKinds)('the register on %s: roles and searches', (kind) => {
  const r = registerHarness(kind);

  describe('PractitionerRole', () => {
    it('records a role with prescribing rights at an ODS organisation, and its ending as a new version', async () => {
      const practitioner = await r.createPractitioner();
      const created = await r.call(r.asRegistrar, 'POST', '/fhir/R4/PractitionerRole', {
        ...roleBody(practitioner.id!, ['independent', 'controlled-drugs'], {
          period: { start: '2024-01-01' },
        }),
        identifier: [{ system: 'https://fhir.nhs.uk/Id/sds-role-profile-id', value: '200102238987' }],
        code: [
          {
            coding: [
              { system: PRESCRIBING_RIGHT_SYSTEM, code: 'independent' },
              { system: PRESCRIBING_RIGHT_SYSTEM, code: 'controlled-drugs' },
            ],
          },
          {
            coding: [{ system: 'https://fhir.nhs.uk/CodeSystem/NHSDigital-SDS-JobRoleCode', code: 'R8000' }],
          },
        ],
      });
      expect(created.statusCode, created.body).toBe(201);
      const role = created.json() as PractitionerRole;
      const ended = await r.call(r.asRegistrar, 'PUT', `/fhir/R4/PractitionerRole/${role.id}`, {
        ...role,
        period: { start: '2024-01-01', end: '2025-01-01T00:00:00Z' },
      });
      expect(ended.statusCode, ended.body).toBe(200);
      const suspended = await r.call(r.asRegistrar, 'PUT', `/fhir/R4/PractitionerRole/${role.id}`, {
        ...role,
        active: false,
      });
      expect(suspended.statusCode).toBe(200);
      const history = (
        await r.call(r.asRegistrar, 'GET', `/fhir/R4/PractitionerRole/${role.id}/_history`)
      ).json() as Bundle;
      expect(history.entry?.map((entry) => entry.resource?.meta?.versionId)).toEqual(['3', '2', '1']);
    });

    it('refuses unknown rights, a malformed ODS code, an organisation without ODS and an unknown practitioner', async () => {
      const practitioner = await r.createPractitioner();
      const before = await r.count('PractitionerRole');
      const unknownRight = await r.call(
        r.asRegistrar,
        'POST',
        '/fhir/R4/PractitionerRole',
        roleBody(practitioner.id!, ['everything']),
      );
      expect(unknownRight.statusCode).toBe(400);
      expect(codeOf(unknownRight)).toBe('INVALID_VALUE');
      expect(unknownRight.json().issue[0].expression).toEqual(['PractitionerRole.code[0].coding[0].code']);
      const badOds = await r.call(
        r.asRegistrar,
        'POST',
        '/fhir/R4/PractitionerRole',
        roleBody(practitioner.id!, [], {}, 'a83008'),
      );
      expect(badOds.statusCode).toBe(400);
      const byReference = await r.call(r.asRegistrar, 'POST', '/fhir/R4/PractitionerRole', {
        ...roleBody(practitioner.id!),
        organization: { reference: 'Organization/demo-gp-practice' },
      });
      expect(byReference.statusCode).toBe(400);
      expect(codeOf(byReference)).toBe('MISSING_VALUE');
      const nobody = await r.call(
        r.asRegistrar,
        'POST',
        '/fhir/R4/PractitionerRole',
        roleBody('not-registered'),
      );
      expect(nobody.statusCode).toBe(400);
      expect(nobody.json().issue[0].expression).toEqual(['PractitionerRole.practitioner.reference']);
      const notAReference = await r.call(r.asRegistrar, 'POST', '/fhir/R4/PractitionerRole', {
        ...roleBody(practitioner.id!),
        practitioner: { identifier: { system: GMC_NUMBER, value: '1234567' } },
      });
      expect(notAReference.statusCode).toBe(400);
      expect(await r.count('PractitionerRole')).toBe(before);
    });

    it('keeps a role to one practitioner and one organisation for its whole history', async () => {
      const practitioner = await r.createPractitioner();
      const other = await r.createPractitioner();
      const role = (
        await r.call(r.asRegistrar, 'POST', '/fhir/R4/PractitionerRole', roleBody(practitioner.id!))
      ).json();
      const moved = await r.call(r.asRegistrar, 'PUT', `/fhir/R4/PractitionerRole/${role.id}`, {
        ...roleBody(other.id!),
        id: role.id,
      });
      expect(moved.statusCode).toBe(400);
      const elsewhere = await r.call(r.asRegistrar, 'PUT', `/fhir/R4/PractitionerRole/${role.id}`, {
        ...roleBody(practitioner.id!, ['independent'], {}, 'B81001'),
        id: role.id,
      });
      expect(elsewhere.statusCode).toBe(400);
      const current = (await r.call(r.asRegistrar, 'GET', `/fhir/R4/PractitionerRole/${role.id}`)).json();
      expect(current.meta.versionId).toBe('1');
    });
  });

  describe('searching the register through the generic search', () => {
    let practitioner: Practitioner;
    let gmc: string;
    let activeRole: PractitionerRole;
    let endedRole: PractitionerRole;

    beforeAll(async () => {
      gmc = freshNumber();
      practitioner = await r.createPractitioner(gmc);
      activeRole = (
        await r.call(
          r.asRegistrar,
          'POST',
          '/fhir/R4/PractitionerRole',
          roleBody(practitioner.id!, [], {}, 'Y12345'),
        )
      ).json();
      endedRole = (
        await r.call(
          r.asRegistrar,
          'POST',
          '/fhir/R4/PractitionerRole',
          roleBody(practitioner.id!, [], { active: false }, 'Y12345'),
        )
      ).json();
    });

    const ids = (bundle: Bundle) =>
      (bundle.entry ?? [])
        .filter((entry) => entry.search?.mode === 'match')
        .map((entry) => entry.resource?.id)
        .sort();

    it('finds a practitioner by professional number', async () => {
      const asPrescriber = await r.t.bearer({ roles: ['prescriber'], org: 'A83008' });
      const found = await r.call(
        asPrescriber,
        'GET',
        `/fhir/R4/Practitioner?identifier=${encodeURIComponent(`${GMC_NUMBER}|${gmc}`)}`,
      );
      expect(found.statusCode).toBe(200);
      expect(ids(found.json())).toEqual([practitioner.id]);
      const none = await r.call(
        asPrescriber,
        'GET',
        `/fhir/R4/Practitioner?identifier=${encodeURIComponent(`${NMC_NUMBER}|${gmc}`)}`,
      );
      expect(ids(none.json())).toEqual([]);
    });

    it('finds roles by organisation ODS code, by practitioner and by active', async () => {
      const byOrg = await r.call(
        r.asRegistrar,
        'GET',
        `/fhir/R4/PractitionerRole?organization:identifier=${encodeURIComponent(`${ODS_SYSTEM}|Y12345`)}`,
      );
      expect(ids(byOrg.json())).toEqual([activeRole.id, endedRole.id].sort());
      const active = await r.call(
        r.asRegistrar,
        'GET',
        `/fhir/R4/PractitionerRole?organization:identifier=${encodeURIComponent(`${ODS_SYSTEM}|Y12345`)}&active=true`,
      );
      expect(ids(active.json())).toEqual([activeRole.id]);
      const inactive = await r.call(
        r.asRegistrar,
        'GET',
        `/fhir/R4/PractitionerRole?practitioner=Practitioner/${practitioner.id}&active=false`,
      );
      expect(ids(inactive.json())).toEqual([endedRole.id]);
      const withPractitioner = await r.call(
        r.asRegistrar,
        'GET',
        `/fhir/R4/PractitionerRole?practitioner=Practitioner/${practitioner.id}&_include=PractitionerRole:practitioner`,
      );
      const included = (withPractitioner.json() as Bundle).entry?.filter(
        (entry) => entry.search?.mode === 'include',
      );
      expect(included?.map((entry) => entry.resource?.id)).toEqual([practitioner.id]);
    });
  });
});
