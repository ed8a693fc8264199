/**
 * HAZ-MERGE, the portal side, over a real MLLP socket and the real sign-in on both databases:
 * after an A40 the retired record's portal session is signed out (access and refresh tokens),
 * the next sign-in lands on the survivor, and the released result, the consent and the repeat
 * request follow the survivor; the survivor's session still reads nobody else's record.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Bundle, DiagnosticReport, Patient, Task } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../test/databases.js';
import {
  adt,
  controlId,
  HOSPITAL,
  OTHER_NHS_NUMBER,
  oru,
  readAck,
} from '../../../test/support/hl7/fixtures.js';
import { type Hl7Test, startHl7Test } from '../../../test/support/hl7/harness.js';
import { createAccount } from '../../identity/accounts/store.js';
import { currentTotp } from '../../identity/accounts/totp.js';
import { NOTIFICATION_PREFERENCES_SERVICE } from '../../notifications/index.js';
import { createResource } from '../../platform/fhir/store/repository.js';
import { REPEAT_REQUEST_CODE, TASK_CODE_SYSTEM } from '../../portal/repeat-requests/rules.js';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';

describe.each(databaseKinds)('HAZ-MERGE and the portal on %s', (kind) => {
  let h: Hl7Test;
  let ip = 0;

  beforeAll(async () => {
    h = await startHl7Test(kind, { RESULT_RELEASE_DELAY_S: '0' });
  });
  afterAll(async () => h?.close());

  async function signIn(account: { username: string; password: string; totpSecret: string }, step = 0) {
    const app = h.t.pathways.app;
    const verifier = randomBytes(32).toString('base64url');
    const codeChallenge = createHash('sha256').update(verifier).digest('base64url');
    const remoteAddress = `203.0.113.${++ip}`;
    const login = await app.inject({
      method: 'POST',
      url: '/auth/login',
      remoteAddress,
      payload: {
        username: account.username,
        password: account.password,
        codeChallenge,
        codeChallengeMethod: 'S256',
      },
    });
    expect(login.statusCode, login.body).toBe(200);
    const mfa = await app.inject({
      method: 'POST',
      url: '/auth/mfa',
      remoteAddress,
      payload: {
        login: login.json().login,
        otp: currentTotp(account.totpSecret, new Date(Date.now() + step * 30_000)),
      },
    });
    expect(mfa.statusCode, mfa.body).toBe(200);
    const token = await app.inject(
      refreshForm(
        { grant_type: 'authorization_code', code: mfa.json().code, code_verifier: verifier },
        remoteAddress,
      ),
    );
    expect(token.statusCode, token.body).toBe(200);
    const body = token.json() as { access_token: string; refresh_token: string };
    const claims = JSON.parse(Buffer.from(body.access_token.split('.')[1]!, 'base64url').toString('utf8'));
    return {
      bearer: `Bearer ${body.access_token}`,
      refresh: body.refresh_token,
      fhirUser: claims.fhirUser as string,
    };
  }

  function refreshForm(fields: Record<string, string>, remoteAddress = '203.0.113.250') {
    return {
      method: 'POST' as const,
      url: '/oauth2/token',
      remoteAddress,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(fields).toString(),
    };
  }

  /** The verifier polls revocations each second; a revoked session is refused within a few. */
  async function refusedWithin(bearer: string, url: string, ms = 5000): Promise<number> {
    const until = Date.now() + ms;
    for (;;) {
      const reply = await h.get(url, bearer);
      if (reply.status === 401 || Date.now() > until) return reply.status;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  it('signs the retired record out, re-matches the next sign-in to the survivor, and moves what the portal keeps', async () => {
    // The temporary record the ward registered (a local number only), with a stay and a result.
    const temporaryPid = 'PID|1||M700007^^^RXX01^MR||Unknown^Temp||19800102|F';
    expect(
      readAck(await h.send(adt({ trigger: 'A01', pid: temporaryPid, visit: 'V-MP1', at: '20260105080000' })))
        .code,
    ).toBe('AA');
    const result = oru({ filler: 'LAB-MERGE-1' }).replace(/^PID\|.*$/m, temporaryPid);
    expect(readAck(await h.send(result)).code).toBe('AA');
    // The survivor, known by its NHS number.
    expect(
      readAck(
        await h.send(
          adt({
            trigger: 'A28',
            nhsNumber: OTHER_NHS_NUMBER,
            mrn: 'M700008',
            family: 'Evans',
            given: 'Gareth',
          }),
        ),
      ).code,
    ).toBe('AA');
    const retired = (await h.get<Bundle<Patient>>('/fhir/R4/Patient?identifier=M700007')).body.entry![0]!
      .resource!;
    const survivor = (await h.get<Bundle<Patient>>(`/fhir/R4/Patient?identifier=${NHS}|${OTHER_NHS_NUMBER}`))
      .body.entry![0]!.resource!;
    const retiredRef = `Patient/${retired.id}`;
    const survivorRef = `Patient/${survivor.id}`;
    const report = (await h.get<Bundle<DiagnosticReport>>(`/fhir/R4/DiagnosticReport?subject=${retiredRef}`))
      .body.entry![0]!.resource!;

    // A clinician of the hospital releases the result; the patient has a portal account and a session.
    const clinician = await h.t.bearer({ roles: ['clinician'], fhirUser: 'Practitioner/c1', org: HOSPITAL });
    const released = await h.t.pathways.app.inject({
      method: 'POST',
      url: `/fhir/R4/DiagnosticReport/${report.id}/$release`,
      headers: { authorization: clinician },
    });
    expect(released.statusCode, released.body).toBe(200);
    const account = await createAccount(h.t.pathways.db, {
      username: `merged-${randomBytes(4).toString('hex')}`,
      role: 'patient',
      fhirUser: retiredRef,
      secretKey: h.t.pathways.identity.secretKey,
    });
    const session = await signIn(account);
    expect(session.fhirUser).toBe(retiredRef);
    expect((await h.get(`/fhir/R4/DiagnosticReport/${report.id}`, session.bearer)).status).toBe(200);
    const preferences = h.t.pathways.services.get(NOTIFICATION_PREFERENCES_SERVICE);
    await preferences.set(h.t.pathways.db, retiredRef, { smsConsent: false });
    const repeat = await createResource(h.t.pathways.db, {
      resourceType: 'Task',
      status: 'requested',
      intent: 'order',
      code: { coding: [{ system: TASK_CODE_SYSTEM, code: REPEAT_REQUEST_CODE }] },
      for: { reference: retiredRef },
      requester: { reference: retiredRef },
    } satisfies Task);
    const prescriptionTask = await createResource(h.t.pathways.db, {
      resourceType: 'Task',
      status: 'requested',
      intent: 'order',
      for: { reference: retiredRef },
    } satisfies Task);

    const control = controlId('MERGEP');
    const merge = adt({
      trigger: 'A40',
      control,
      nhsNumber: OTHER_NHS_NUMBER,
      mrn: 'M700008',
      family: 'Evans',
      given: 'Gareth',
      at: '20260105160000',
      extra: ['MRG|M700007^^^RXX01^MR'],
    });
    expect(readAck(await h.send(merge))).toMatchObject({ code: 'AA', controlId: control });

    // Signed out: the access token is refused, the refresh token no longer refreshes.
    expect(await refusedWithin(session.bearer, `/fhir/R4/DiagnosticReport/${report.id}`)).toBe(401);
    const refreshed = await h.t.pathways.app.inject(
      refreshForm({ grant_type: 'refresh_token', refresh_token: session.refresh }),
    );
    expect(refreshed.statusCode).toBe(400);
    expect(refreshed.json().error).toBe('invalid_grant');

    // Signed in again: the same account is the survivor, and sees the released result there.
    const again = await signIn(account, 1);
    expect(again.fhirUser).toBe(survivorRef);
    const results = await h.get<Bundle<DiagnosticReport>>(
      `/fhir/R4/DiagnosticReport?subject=${survivorRef}`,
      again.bearer,
    );
    expect(results.status).toBe(200);
    expect(results.body.entry?.map((e) => e.resource!.id)).toEqual([report.id]);
    const releases = await h.t.pathways.db.query<{ patient: string }>(
      'SELECT patient FROM portal_result_release WHERE report_id = $1',
      [report.id],
    );
    expect(releases.rows).toEqual([{ patient: survivorRef }]);

    // The consent follows the survivor; the retired record keeps none of its own.
    expect(await preferences.get(h.t.pathways.db, survivorRef)).toEqual({
      smsConsent: false,
      emailConsent: true,
    });
    const left = await h.t.pathways.db.query('SELECT 1 FROM notification_preference WHERE patient = $1', [
      retiredRef,
    ]);
    expect(left.rows).toHaveLength(0);

    // The repeat request follows; a Task that is not the patient's own request stays.
    expect((await h.get<Task>(`/fhir/R4/Task/${repeat.id}`)).body.for?.reference).toBe(survivorRef);
    expect((await h.get<Task>(`/fhir/R4/Task/${prescriptionTask.id}`)).body.for?.reference).toBe(retiredRef);
    // The feed's Task rules admit no HTTP role: the generic interactions still write no Task.
    const moved = (await h.get<Task>(`/fhir/R4/Task/${repeat.id}`)).body;
    const completed = { ...moved, status: 'completed' };
    const attempts: Array<[method: 'PUT' | 'DELETE' | 'POST', url: string, payload?: object]> = [
      ['PUT', `/fhir/R4/Task/${repeat.id}`, completed],
      ['DELETE', `/fhir/R4/Task/${repeat.id}`],
      [
        'POST',
        '/fhir/R4',
        {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [{ resource: completed, request: { method: 'PUT', url: `Task/${repeat.id}` } }],
        },
      ],
    ];
    for (const [method, url, payload] of attempts) {
      const reply = await h.t.pathways.app.inject({
        method,
        url,
        headers: {
          authorization: h.admin,
          ...(payload ? { 'content-type': 'application/fhir+json' } : {}),
        },
        ...(payload ? { payload } : {}),
      });
      expect(reply.statusCode, `${method} ${url}`).toBe(403);
      // Refused for who is asking, not sent to single-resource routes that refuse them too.
      expect(reply.json().issue[0].diagnostics, `${method} ${url}`).not.toMatch(/written one at a time/);
    }
    expect((await h.get<Task>(`/fhir/R4/Task/${repeat.id}`)).body.meta!.versionId).toBe(
      moved.meta!.versionId,
    );

    // Least privilege still holds for the re-matched session: the retired record and another
    // patient's are not its own.
    expect((await h.get(`/fhir/R4/Patient/${survivor.id}`, again.bearer)).status).toBe(200);
    expect(
      readAck(
        await h.send(
          adt({ trigger: 'A28', nhsNumber: '', mrn: 'M700009', family: 'Other', given: 'Person' }),
        ),
      ).code,
    ).toBe('AA');
    const other = (await h.get<Bundle<Patient>>('/fhir/R4/Patient?identifier=M700009')).body.entry![0]!
      .resource!;
    expect((await h.get(`/fhir/R4/Patient/${other.id}`, again.bearer)).status).toBe(403);
  });
});
