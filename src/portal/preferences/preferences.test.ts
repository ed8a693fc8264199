/** A patient's own record, contact details and notification consent through the API. */
import type { Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../test/databases.js';
import { errorCode, type PortalTest, parameters, startPortalTest } from '../../../test/support/portal/app.js';
import { NOTIFICATION_PREFERENCES_SERVICE } from '../../notifications/index.js';

describe.each(databaseKinds)("a patient's contact details and preferences on %s", (kind) => {
  let p: PortalTest;
  let mine: Awaited<ReturnType<PortalTest['patient']>>;
  let theirs: Awaited<ReturnType<PortalTest['patient']>>;
  const update = (token: string, id: string, ...items: object[]) =>
    p.call(token, 'POST', `/fhir/R4/Patient/${id}/$update-contact`, parameters(...items));
  const values = (reply: { json(): { parameter?: Array<Record<string, unknown>> } }) =>
    Object.fromEntries(
      (reply.json().parameter ?? []).map((item) => [item.name, item.valueString ?? item.valueBoolean]),
    );
  const record = async (id: string) =>
    (await p.call(p.admin, 'GET', `/fhir/R4/Patient/${id}`)).json() as Patient;

  beforeAll(async () => {
    p = await startPortalTest(kind);
    mine = await p.patient('Mine');
    theirs = await p.patient('Theirs');
    await p.call(p.admin, 'PUT', `/fhir/R4/Patient/${mine.id}`, {
      ...(await record(mine.id)),
      birthDate: '1970-01-01',
      telecom: [{ system: 'phone', value: '01632 960000', use: 'home' }],
    });
  });
  afterAll(() => p.close());

  it('reads their own record, and may not change their demographics', async () => {
    const own = await p.call(mine.token, 'GET', `/fhir/R4/Patient/${mine.id}`);
    expect(own.statusCode).toBe(200);
    const changed = await p.call(mine.token, 'PUT', `/fhir/R4/Patient/${mine.id}`, {
      ...own.json(),
      birthDate: '1990-01-01',
    });
    expect(changed.statusCode).toBe(403);
    expect((await record(mine.id)).birthDate).toBe('1970-01-01');
  });

  it('changes their mobile and email as a new version, leaving everything else as it was', async () => {
    const before = await record(mine.id);
    const reply = await update(
      mine.token,
      mine.id,
      { name: 'mobile', valueString: '07700 900123' },
      { name: 'email', valueString: 'Pat@Example.NHS.uk' },
    );
    expect(reply.statusCode).toBe(200);
    expect(values(reply)).toMatchObject({ mobile: '+447700900123', email: 'Pat@example.nhs.uk' });
    const after = await record(mine.id);
    expect(Number(after.meta?.versionId)).toBe(Number(before.meta?.versionId) + 1);
    expect(after.telecom).toEqual([
      { system: 'phone', value: '01632 960000', use: 'home' },
      { system: 'phone', value: '+447700900123', use: 'mobile', rank: 1 },
      { system: 'email', value: 'Pat@example.nhs.uk', rank: 1 },
    ]);
    expect({ ...after, telecom: undefined, meta: undefined }).toEqual({
      ...before,
      telecom: undefined,
      meta: undefined,
    });
    const removed = await update(mine.token, mine.id, { name: 'email' });
    expect(values(removed).email).toBeUndefined();
    expect((await record(mine.id)).telecom?.some((point) => point.system === 'email')).toBe(false);
  });

  it('refuses a number that is not a UK mobile, an address that is not one, or nothing at all, and stores nothing', async () => {
    const before = await record(mine.id);
    const landline = await update(mine.token, mine.id, { name: 'mobile', valueString: '020 7946 0000' });
    expect(landline.statusCode).toBe(400);
    expect(errorCode(landline)).toBe('INVALID_VALUE');
    expect(landline.json().issue[0].diagnostics).toContain('UK mobile');
    const email = await update(
      mine.token,
      mine.id,
      { name: 'mobile', valueString: '07700 900456' },
      { name: 'email', valueString: 'pat@' },
    );
    expect(email.statusCode).toBe(400);
    expect((await update(mine.token, mine.id)).statusCode).toBe(400);
    const wrongType = await update(mine.token, mine.id, { name: 'smsConsent', valueString: 'yes' });
    expect(wrongType.statusCode).toBe(400);
    expect((await record(mine.id)).meta?.versionId).toBe(before.meta?.versionId);
  });

  it('sets consent through the notifications capability’s preferences, and reads it back', async () => {
    expect(p.t.pathways.services.has(NOTIFICATION_PREFERENCES_SERVICE)).toBe(true);
    const reply = await update(
      mine.token,
      mine.id,
      { name: 'mobile', valueString: '07700 900321' },
      { name: 'smsConsent', valueBoolean: true },
      { name: 'emailConsent', valueBoolean: false },
    );
    expect(reply.statusCode).toBe(200);
    expect(values(reply)).toMatchObject({ mobile: '+447700900321', smsConsent: true, emailConsent: false });
    const read = await p.call(mine.token, 'GET', `/fhir/R4/Patient/${mine.id}/$contact-preferences`);
    expect(read.statusCode).toBe(200);
    expect(values(read)).toMatchObject({ mobile: '+447700900321', smsConsent: true, emailConsent: false });
    const preferences = p.t.pathways.services.get(NOTIFICATION_PREFERENCES_SERVICE);
    expect(await preferences.get(p.t.pathways.db, mine.reference)).toEqual({
      smsConsent: true,
      emailConsent: false,
    });
    await update(mine.token, mine.id, { name: 'emailConsent', valueBoolean: true });
    expect(await preferences.get(p.t.pathways.db, mine.reference)).toEqual({
      smsConsent: true,
      emailConsent: true,
    });
  });

  it("refuses another patient's record (403) without looking it up, audits and raises a safety event", async () => {
    const before = await p.wrongPatientEvents();
    const theirsBefore = await record(theirs.id);
    const reply = await update(mine.token, theirs.id, { name: 'mobile', valueString: '07700 900999' });
    expect(reply.statusCode).toBe(403);
    const read = await p.call(mine.token, 'GET', `/fhir/R4/Patient/${theirs.id}/$contact-preferences`);
    expect(read.statusCode).toBe(403);
    expect(read.body).not.toContain('Theirs');
    expect(
      (await update(mine.token, 'no-such-patient', { name: 'mobile', valueString: '07700 900999' }))
        .statusCode,
    ).toBe(403);
    expect(await p.wrongPatientEvents()).toBe(before + 3);
    expect((await p.refusedAudits(theirs.reference)).map((x) => x.entity)).toContain(`Patient/${theirs.id}`);
    expect((await record(theirs.id)).meta?.versionId).toBe(theirsBefore.meta?.versionId);
    expect(
      (await update(p.clinician, mine.id, { name: 'mobile', valueString: '07700 900999' })).statusCode,
    ).toBe(403);
  });
});
