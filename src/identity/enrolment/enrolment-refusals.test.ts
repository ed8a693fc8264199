/**
 * How a sign-up is refused before anything is created, through the real app on both databases:
 * malformed fields (400 naming the field), and details that do not match (one generic answer,
 * whatever the cause, and nothing created or sent). Code refusals: enrolment-codes.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/app.js';
import { databaseKinds } from '../../../test/databases.js';
import {
  countRows,
  e164,
  enrol,
  freshIp,
  messagesTo,
  newContact,
  type PatientFixture,
  post,
  registrationBody,
  storePatient,
} from '../../../test/support/identity/enrolment.js';
import { NO_MATCH_TEXT } from './context.js';

describe.each(databaseKinds)('enrolment refusals on %s', (kind) => {
  let t: TestApp;
  let fixture: PatientFixture;
  let patient: string;
  beforeAll(async () => {
    t = await startTestApp(kind);
    const base = { family: "O'Neill", birthDate: '1975-03-09', postcode: 'LS6 2QB' };
    const stored = await storePatient(t.pathways.db, base);
    fixture = { ...base, nhsNumber: stored.nhsNumber! };
    patient = stored.patient;
  });
  afterAll(() => t?.close());

  const app = () => t.pathways.app;
  const db = () => t.pathways.db;
  const codeOf = (response: { json(): { issue: { details: { coding: { code: string }[] } }[] } }) =>
    response.json().issue[0]!.details.coding[0]!.code;

  /** Sends a sign-up; expects the generic refusal, with nothing stored and nothing sent. */
  async function expectNoMatch(body: Record<string, unknown>, contact = newContact()) {
    const registrations = await countRows(db(), 'registration');
    const response = await post(
      app(),
      '/auth/register',
      { ...registrationBody(fixture, contact), ...body },
      contact.ip,
    );
    expect(response.statusCode).toBe(400);
    expect(codeOf(response)).toBe('INVALID_VALUE');
    expect(response.json().issue[0].diagnostics).toBe(NO_MATCH_TEXT);
    expect(response.json().issue[0].expression).toBeUndefined();
    expect(await countRows(db(), 'registration')).toBe(registrations);
    expect(await messagesTo(db(), contact.email)).toBe(0);
    expect(await messagesTo(db(), e164(contact.mobile))).toBe(0);
    return response.body;
  }

  it('names each malformed field, and creates and sends nothing', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ nhsNumber: '9434765918' }, 'nhsNumber', 'INVALID_PATIENT_IDENTIFIER'],
      [{ nhsNumber: '12345' }, 'nhsNumber', 'INVALID_PATIENT_IDENTIFIER'],
      [{ nhsNumber: undefined, chiNumber: '3213210000' }, 'chiNumber', 'INVALID_PATIENT_IDENTIFIER'],
      [{ chiNumber: '1502850001' }, 'chiNumber', 'INVALID_VALUE'],
      [{ nhsNumber: undefined }, 'nhsNumber', 'MISSING_VALUE'],
      [{ birthDate: '15/02/1985' }, 'birthDate', 'INVALID_VALUE'],
      [{ birthDate: '1985-02-30' }, 'birthDate', 'INVALID_VALUE'],
      [{ birthDate: '2999-01-01' }, 'birthDate', 'INVALID_VALUE'],
      [{ family: '' }, 'family', 'MISSING_VALUE'],
      [{ family: 'Sm1th' }, 'family', 'INVALID_VALUE'],
      [{ postcode: 'NOT A CODE' }, 'postcode', 'INVALID_VALUE'],
      [{ email: 'not-an-email' }, 'email', 'INVALID_VALUE'],
      [{ mobile: '0113 496 0000' }, 'mobile', 'INVALID_VALUE'],
      [{ mobile: '+33612345678' }, 'mobile', 'INVALID_VALUE'],
      [{ password: 'short-pass' }, 'password', 'INVALID_VALUE'],
      [{ password: '1234567890123' }, 'password', 'INVALID_VALUE'],
      [{ password: 12345678901234 }, 'password', 'INVALID_VALUE'],
    ];
    const contact = newContact();
    for (const [change, expression, code] of cases) {
      const response = await post(
        app(),
        '/auth/register',
        { ...registrationBody(fixture, contact), ...change },
        freshIp(),
      );
      expect(response.statusCode, JSON.stringify(change)).toBe(400);
      expect(codeOf(response), JSON.stringify(change)).toBe(code);
      expect(response.json().issue[0].expression, JSON.stringify(change)).toEqual([expression]);
      expect(response.body).not.toContain(contact.email);
    }
    const several = await post(
      app(),
      '/auth/register',
      { birthDate: 'x', email: 'y', password: 'z' },
      freshIp(),
    );
    expect(several.json().issue.map((issue: { expression: string[] }) => issue.expression[0])).toEqual([
      'nhsNumber',
      'birthDate',
      'family',
      'postcode',
      'email',
      'mobile',
      'password',
    ]);
    expect((await post(app(), '/auth/register', [1, 2], freshIp())).statusCode).toBe(400);
    expect(await countRows(db(), 'registration')).toBe(0);
    expect(await messagesTo(db(), contact.email)).toBe(0);
  });

  it('answers every non-match alike: unknown, each detail wrong, deceased, merged, enrolled', async () => {
    const deceased = await storePatient(db(), {
      ...fixture,
      nhsNumber: undefined,
      extra: { deceasedBoolean: true },
    });
    const merged = await storePatient(db(), {
      ...fixture,
      nhsNumber: undefined,
      extra: { link: [{ type: 'replaced-by', other: { reference: patient } }] },
    });
    const { generateNhsNumber } = await import('../../nhs/index.js');
    const bodies = [
      await expectNoMatch({ nhsNumber: generateNhsNumber() }),
      await expectNoMatch({ family: 'ONeill' }),
      await expectNoMatch({ birthDate: '1975-03-10' }),
      await expectNoMatch({ postcode: 'LS6 2QA' }),
      await expectNoMatch({ nhsNumber: deceased.nhsNumber }),
      await expectNoMatch({ nhsNumber: merged.nhsNumber }),
    ];
    // Already enrolled: the first sign-up completes, the second for the same patient is refused.
    const first = newContact();
    await enrol(app(), db(), registrationBody(fixture, first), first, 'totp');
    bodies.push(await expectNoMatch({}));
    expect(new Set(bodies).size).toBe(1);

    const audit = await db().query<{ content: string }>(
      `SELECT content FROM audit_event WHERE content LIKE '%enrolment refused%'`,
    );
    const reasons = audit.rows.map((row) => JSON.parse(row.content).outcomeDesc as string);
    expect(reasons).toEqual(
      expect.arrayContaining([
        'enrolment refused: no record does not match',
        'enrolment refused: surname does not match',
        'enrolment refused: birth date does not match',
        'enrolment refused: postcode does not match',
        'enrolment refused: deceased does not match',
        'enrolment refused: merged does not match',
        'enrolment refused: already enrolled',
      ]),
    );
  });
});
