/**
 * The register over HTTP on both databases: the Practitioner and PractitionerRole rules, who may
 * change the register, and the searches integrators use (by professional number, organisation,
 * active).
 */
import type { Bundle, Practitioner, PractitionerRole } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/app.js';
import { databaseKinds } from '../../test/databases.js';
import { GMC_NUMBER, NMC_NUMBER, ODS_SYSTEM, PRESCRIBING_RIGHT_SYSTEM } from './systems.js';
import { caller, codeOf, freshNumber, practitionerBody, registrar, roleBody } from './test-support.js';

const SDS = 'https://fhir.nhs.uk/Id/sds-user-id';

describe.each(databaseKinds)('the register on %s', (kind) => {
  let t: TestApp;
  let call: ReturnType<typeof caller>;
  let asRegistrar: string;

  const count = async (type: string) =>
    (
      await t.pathways.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM fhir_resource WHERE resource_type = $1',
        [type],
      )
    ).rows[0]?.n ?? 0;

  const createPractitioner = async (gmc = freshNumber(), extra: Partial<Practitioner> = {}) => {
    const response = await call(asRegistrar, 'POST', '/fhir/R4/Practitioner', practitionerBody(gmc, extra));
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as Practitioner;
  };

  beforeAll(async () => {
    t = await startTestApp(kind);
    call = caller(t);
    asRegistrar = await registrar(t);
  });
  afterAll(() => t.close());

  describe('Practitioner', () => {
    it('registers a practitioner with a professional number and keeps other identifiers as given', async () => {
      const gmc = freshNumber();
      const response = await call(
        asRegistrar,
        'POST',
        '/fhir/R4/Practitioner',
        practitionerBody(gmc, {
          identifier: [
            { system: SDS, value: '555086689106' },
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
        { system: SDS, value: '555086689106' },
        { system: GMC_NUMBER, value: gmc },
        { system: 'https://fhir.hl7.org.uk/Id/din-number', value: '977677', use: 'secondary' },
      ]);
      const audit = await t.pathways.db.query<{ content: string }>(
        `SELECT content FROM audit_event WHERE content LIKE $1`,
        [`%Practitioner/${created.id}/_history/1%`],
      );
      expect(audit.rows).toHaveLength(1);
      expect(JSON.parse(audit.rows[0]!.content).agent[0].who.reference).toBe('Practitioner/test-registrar');
    });

    it('refuses a practitioner without a professional number, or with a malformed one, storing nothing', async () => {
      const before = await count('Practitioner');
      const none = await call(asRegistrar, 'POST', '/fhir/R4/Practitioner', {
        resourceType: 'Practitioner',
        identifier: [{ system: SDS, value: '1234' }],
      });
      expect(none.statusCode).toBe(400);
      expect(codeOf(none)).toBe('MISSING_VALUE');
      expect(none.json().issue[0].expression).toEqual(['Practitioner.identifier']);
      const lower = await call(asRegistrar, 'POST', '/fhir/R4/Practitioner', practitionerBody('12a3456e'));
      expect(lower.statusCode).toBe(400);
      expect(codeOf(lower)).toBe('INVALID_VALUE');
      const put = await call(asRegistrar, 'PUT', '/fhir/R4/Practitioner/no-number', {
        resourceType: 'Practitioner',
        id: 'no-number',
      });
      expect(put.statusCode).toBe(400);
      expect(await count('Practitioner')).toBe(before);
    });

    it('refuses a professional number already registered to another practitioner with 409', async () => {
      const gmc = freshNumber();
      const first = await createPractitioner(gmc);
      const before = await count('Practitioner');
      const again = await call(asRegistrar, 'POST', '/fhir/R4/Practitioner', practitionerBody(gmc));
      expect(again.statusCode).toBe(409);
      expect(codeOf(again)).toBe('CONFLICT');
      expect(again.json().issue[0].diagnostics).toContain(`Practitioner/${first.id}`);
      expect(again.json().issue[0].expression).toEqual(['Practitioner.identifier[0]']);
      const viaPut = await call(asRegistrar, 'PUT', '/fhir/R4/Practitioner/other-one', {
        ...practitionerBody(freshNumber()),
        id: 'other-one',
        identifier: [
          { system: NMC_NUMBER, value: '12A3456E' },
          { system: GMC_NUMBER, value: gmc },
        ],
      });
      expect(viaPut.statusCode).toBe(409);
      expect(await count('Practitioner')).toBe(before);
    });

    it('keeps the same number on an update of the same practitioner, and lets a number move once freed', async () => {
      const gmc = freshNumber();
      const created = await createPractitioner(gmc);
      const updated = await call(asRegistrar, 'PUT', `/fhir/R4/Practitioner/${created.id}`, {
        ...created,
        name: [{ family: 'Renamed' }],
      });
      expect(updated.statusCode, updated.body).toBe(200);
      expect(updated.headers.etag).toBe('W/"2"');
      // The number is dropped from this practitioner: another may now hold it.
      const otherNumber = freshNumber();
      const dropped = await call(asRegistrar, 'PUT', `/fhir/R4/Practitioner/${created.id}`, {
        ...created,
        identifier: [{ system: GMC_NUMBER, value: otherNumber }],
      });
      expect(dropped.statusCode).toBe(200);
      await createPractitioner(gmc);
    });

    it('lets only one of two registrars registering the same number at once succeed', async () => {
      const gmc = freshNumber();
      const before = await count('Practitioner');
      const [a, b] = await Promise.all([
        call(asRegistrar, 'POST', '/fhir/R4/Practitioner', practitionerBody(gmc)),
        call(asRegistrar, 'PUT', '/fhir/R4/Practitioner/racing-registrar', {
          ...practitionerBody(gmc),
          id: 'racing-registrar',
        }),
      ]);
      // A PUT with a new id creates (201) just like the POST: exactly one of them wins.
      expect([a.statusCode, b.statusCode].sort()).toEqual([201, 409]);
      expect(await count('Practitioner')).toBe(before + 1);
      const holders = await t.pathways.db.query<{ id: string }>(
        `SELECT id FROM search_token WHERE resource_type = 'Practitioner' AND param = 'identifier' AND value = $1`,
        [gmc],
      );
      expect(holders.rows).toHaveLength(1);
    });

    it('honours If-Match and If-None-Exist like the generic API', async () => {
      const gmc = freshNumber();
      const created = await createPractitioner(gmc);
      const stale = await t.pathways.app.inject({
        method: 'PUT',
        url: `/fhir/R4/Practitioner/${created.id}`,
        headers: { 'content-type': 'application/fhir+json', authorization: asRegistrar, 'if-match': 'W/"7"' },
        payload: JSON.stringify(created),
      });
      expect(stale.statusCode).toBe(412);
      const conditional = await t.pathways.app.inject({
        method: 'POST',
        url: '/fhir/R4/Practitioner',
        headers: {
          'content-type': 'application/fhir+json',
          authorization: asRegistrar,
          'if-none-exist': `identifier=${GMC_NUMBER}|${gmc}`,
        },
        payload: JSON.stringify(practitionerBody(gmc)),
      });
      expect(conditional.statusCode).toBe(200);
      expect(conditional.json().id).toBe(created.id);
    });
  });

  describe('PractitionerRole', () => {
    it('records a role with prescribing rights at an ODS organisation, and its ending as a new version', async () => {
      const practitioner = await createPractitioner();
      const created = await call(asRegistrar, 'POST', '/fhir/R4/PractitionerRole', {
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
      const ended = await call(asRegistrar, 'PUT', `/fhir/R4/PractitionerRole/${role.id}`, {
        ...role,
        period: { start: '2024-01-01', end: '2025-01-01T00:00:00Z' },
      });
      expect(ended.statusCode, ended.body).toBe(200);
      const suspended = await call(asRegistrar, 'PUT', `/fhir/R4/PractitionerRole/${role.id}`, {
        ...role,
        active: false,
      });
      expect(suspended.statusCode).toBe(200);
      const history = (
        await call(asRegistrar, 'GET', `/fhir/R4/PractitionerRole/${role.id}/_history`)
      ).json() as Bundle;
      expect(history.entry?.map((entry) => entry.resource?.meta?.versionId)).toEqual(['3', '2', '1']);
    });

    it('refuses unknown rights, a malformed ODS code, an organisation without ODS and an unknown practitioner', async () => {
      const practitioner = await createPractitioner();
      const before = await count('PractitionerRole');
      const unknownRight = await call(
        asRegistrar,
        'POST',
        '/fhir/R4/PractitionerRole',
        roleBody(practitioner.id!, ['everything']),
      );
      expect(unknownRight.statusCode).toBe(400);
      expect(codeOf(unknownRight)).toBe('INVALID_VALUE');
      expect(unknownRight.json().issue[0].expression).toEqual(['PractitionerRole.code[0].coding[0].code']);
      const badOds = await call(
        asRegistrar,
        'POST',
        '/fhir/R4/PractitionerRole',
        roleBody(practitioner.id!, [], {}, 'a83008'),
      );
      expect(badOds.statusCode).toBe(400);
      const byReference = await call(asRegistrar, 'POST', '/fhir/R4/PractitionerRole', {
        ...roleBody(practitioner.id!),
        organization: { reference: 'Organization/demo-gp-practice' },
      });
      expect(byReference.statusCode).toBe(400);
      expect(codeOf(byReference)).toBe('MISSING_VALUE');
      const nobody = await call(asRegistrar, 'POST', '/fhir/R4/PractitionerRole', roleBody('not-registered'));
      expect(nobody.statusCode).toBe(400);
      expect(nobody.json().issue[0].expression).toEqual(['PractitionerRole.practitioner.reference']);
      const notAReference = await call(asRegistrar, 'POST', '/fhir/R4/PractitionerRole', {
        ...roleBody(practitioner.id!),
        practitioner: { identifier: { system: GMC_NUMBER, value: '1234567' } },
      });
      expect(notAReference.statusCode).toBe(400);
      expect(await count('PractitionerRole')).toBe(before);
    });

    it('keeps a role to one practitioner and one organisation for its whole history', async () => {
      const practitioner = await createPractitioner();
      const other = await createPractitioner();
      const role = (
        await call(asRegistrar, 'POST', '/fhir/R4/PractitionerRole', roleBody(practitioner.id!))
      ).json();
      const moved = await call(asRegistrar, 'PUT', `/fhir/R4/PractitionerRole/${role.id}`, {
        ...roleBody(other.id!),
        id: role.id,
      });
      expect(moved.statusCode).toBe(400);
      const elsewhere = await call(asRegistrar, 'PUT', `/fhir/R4/PractitionerRole/${role.id}`, {
        ...roleBody(practitioner.id!, ['independent'], {}, 'B81001'),
        id: role.id,
      });
      expect(elsewhere.statusCode).toBe(400);
      const current = (await call(asRegistrar, 'GET', `/fhir/R4/PractitionerRole/${role.id}`)).json();
      expect(current.meta.versionId).toBe('1');
    });
  });

  describe('who may change the register', () => {
    it('refuses the prescriber, dispenser and patient roles with 403 and stores nothing', async () => {
      const practitioner = await createPractitioner();
      const before = [await count('Practitioner'), await count('PractitionerRole')];
      const callers = [
        await t.bearer({ roles: ['prescriber'], fhirUser: `Practitioner/${practitioner.id}`, org: 'A83008' }),
        await t.bearer({ roles: ['dispenser'], org: 'FCG71' }),
        await t.bearer({ roles: ['patient'], fhirUser: 'Patient/someone' }),
        await t.bearer({ roles: ['admin'] }),
      ];
      for (const who of callers) {
        const writes = [
          await call(who, 'POST', '/fhir/R4/Practitioner', practitionerBody(freshNumber())),
          await call(who, 'PUT', `/fhir/R4/Practitioner/${practitioner.id}`, practitioner),
          await call(who, 'POST', '/fhir/R4/PractitionerRole', roleBody(practitioner.id!)),
          await call(who, 'PUT', '/fhir/R4/PractitionerRole/x1', { ...roleBody(practitioner.id!), id: 'x1' }),
        ];
        for (const response of writes) {
          expect(response.statusCode).toBe(403);
          expect(codeOf(response)).toBe('FORBIDDEN');
        }
      }
      expect([await count('Practitioner'), await count('PractitionerRole')]).toEqual(before);
    });

    it('challenges a registrar without a recent one-time code (RFC 9470) and without a token at all', async () => {
      const practitioner = await createPractitioner();
      const stale = await t.bearer({ roles: ['registrar'], authTime: Math.floor(Date.now() / 1000) - 3600 });
      const noOtp = await t.bearer({ roles: ['registrar'], amr: ['pwd'] });
      for (const who of [stale, noOtp]) {
        for (const response of [
          await call(who, 'POST', '/fhir/R4/Practitioner', practitionerBody(freshNumber())),
          await call(who, 'POST', '/fhir/R4/PractitionerRole', roleBody(practitioner.id!)),
        ]) {
          expect(response.statusCode).toBe(401);
          expect(response.headers['www-authenticate']).toContain('error="insufficient_user_authentication"');
          expect(response.headers['www-authenticate']).toContain('max_age=900');
        }
      }
      const anonymous = await call(
        undefined,
        'POST',
        '/fhir/R4/Practitioner',
        practitionerBody(freshNumber()),
      );
      expect(anonymous.statusCode).toBe(401);
    });
  });

  describe('searching the register through the generic search', () => {
    let practitioner: Practitioner;
    let gmc: string;
    let activeRole: PractitionerRole;
    let endedRole: PractitionerRole;

    beforeAll(async () => {
      gmc = freshNumber();
      practitioner = await createPractitioner(gmc);
      activeRole = (
        await call(
          asRegistrar,
          'POST',
          '/fhir/R4/PractitionerRole',
          roleBody(practitioner.id!, [], {}, 'Y12345'),
        )
      ).json();
      endedRole = (
        await call(
          asRegistrar,
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
      const asPrescriber = await t.bearer({ roles: ['prescriber'], org: 'A83008' });
      const found = await call(
        asPrescriber,
        'GET',
        `/fhir/R4/Practitioner?identifier=${encodeURIComponent(`${GMC_NUMBER}|${gmc}`)}`,
      );
      expect(found.statusCode).toBe(200);
      expect(ids(found.json())).toEqual([practitioner.id]);
      const none = await call(
        asPrescriber,
        'GET',
        `/fhir/R4/Practitioner?identifier=${encodeURIComponent(`${NMC_NUMBER}|${gmc}`)}`,
      );
      expect(ids(none.json())).toEqual([]);
    });

    it('finds roles by organisation ODS code, by practitioner and by active', async () => {
      const byOrg = await call(
        asRegistrar,
        'GET',
        `/fhir/R4/PractitionerRole?organization:identifier=${encodeURIComponent(`${ODS_SYSTEM}|Y12345`)}`,
      );
      expect(ids(byOrg.json())).toEqual([activeRole.id, endedRole.id].sort());
      const active = await call(
        asRegistrar,
        'GET',
        `/fhir/R4/PractitionerRole?organization:identifier=${encodeURIComponent(`${ODS_SYSTEM}|Y12345`)}&active=true`,
      );
      expect(ids(active.json())).toEqual([activeRole.id]);
      const inactive = await call(
        asRegistrar,
        'GET',
        `/fhir/R4/PractitionerRole?practitioner=Practitioner/${practitioner.id}&active=false`,
      );
      expect(ids(inactive.json())).toEqual([endedRole.id]);
      const withPractitioner = await call(
        asRegistrar,
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
