/**
 * The merge followers one by one (HAZ-MERGE), through the typed services the composed service
 * provides, on both databases: each moves its own rows from the retired record to the survivor
 * inside the merge's transaction (a rolled-back merge leaves them where they were) and touches
 * nobody else's. merge-portal.test.ts runs the same over MLLP and the real sign-in, end to end;
 * the nominated pharmacy's follower is tested in src/portal/nomination/merge.test.ts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/app.js';
import { databaseKinds } from '../../../test/databases.js';
import { createAccount } from '../../identity/accounts/store.js';
import { PORTAL_ACCOUNTS_SERVICE } from '../../identity/index.js';
import { startFamily } from '../../identity/oauth/refresh.js';
import { NOTIFICATION_PREFERENCES_SERVICE } from '../../notifications/index.js';
import { ServiceRegistry } from '../../platform/capability.js';
import type { Queryable } from '../../platform/database/database.js';
import { NOMINATIONS_SERVICE, RESULT_RELEASES_SERVICE } from '../../portal/index.js';
import { saveRelease } from '../../portal/results/release-store.js';
import { type MergeFollower, mergeFollowersOf, type PatientMerge } from './merge-followers.js';

const patient = () => `Patient/${randomUUID()}`;

describe.each(databaseKinds)('the merge followers on %s', (kind) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => t?.close());

  /** The follower's move inside a transaction that then fails: nothing of it may remain. */
  async function rolledBack(follower: MergeFollower, merge: PatientMerge): Promise<void> {
    const failure = new Error('the merge failed after its followers ran');
    await expect(
      t.pathways.db.transaction(async (tx) => {
        await follower.followMerge(tx, merge);
        throw failure;
      }),
    ).rejects.toBe(failure);
  }

  const applied = (follower: MergeFollower, merge: PatientMerge) =>
    t.pathways.db.transaction((tx) => follower.followMerge(tx, merge));

  it('are the portal accounts, result releases, notification preferences and nominations, in that order', () => {
    const services = t.pathways.services;
    expect(mergeFollowersOf(services)).toEqual([
      services.get(PORTAL_ACCOUNTS_SERVICE),
      services.get(RESULT_RELEASES_SERVICE),
      services.get(NOTIFICATION_PREFERENCES_SERVICE),
      services.get(NOMINATIONS_SERVICE),
    ]);
    // A feed composed without the portal, identity or notifications has nothing to tell.
    expect(mergeFollowersOf(new ServiceRegistry())).toEqual([]);
  });

  it("portal accounts: the retired record's sessions are revoked and its accounts name the survivor", async () => {
    const merge = { retired: patient(), survivor: patient() };
    const bystanderPatient = patient();
    const { db } = t.pathways;
    const account = async (fhirUser: string) => {
      const created = await createAccount(db, {
        username: `follower-${randomBytes(4).toString('hex')}`,
        role: 'patient',
        fhirUser,
        secretKey: t.pathways.identity.secretKey,
      });
      const { family } = await startFamily(db, {
        accountId: created.id,
        clientId: null,
        scope: 'openid fhirUser',
        authTime: Math.floor(Date.now() / 1000),
        amr: ['pwd', 'otp'],
      });
      return { id: created.id, family: family.id };
    };
    const merged = await account(merge.retired);
    const bystander = await account(bystanderPatient);
    const state = async (who: { id: string; family: string }) => {
      const row = await db.query<{ fhir_user: string; revoked_reason: string | null }>(
        `SELECT a.fhir_user, f.revoked_reason FROM account a, oauth_refresh_family f
         WHERE a.id::text = $1 AND f.id = $2`,
        [who.id, who.family],
      );
      return row.rows[0];
    };
    const follower = t.pathways.services.get(PORTAL_ACCOUNTS_SERVICE);

    await rolledBack(follower, merge);
    expect(await state(merged)).toEqual({ fhir_user: merge.retired, revoked_reason: null });

    await applied(follower, merge);
    expect(await state(merged)).toEqual({ fhir_user: merge.survivor, revoked_reason: 'patient-merged' });
    expect(await state(bystander)).toEqual({ fhir_user: bystanderPatient, revoked_reason: null });
  });

  it("result releases: the retired record's releases (seen or not) now belong to the survivor", async () => {
    const merge = { retired: patient(), survivor: patient() };
    const { db } = t.pathways;
    const release = (reportId: string, who: string) =>
      saveRelease(db, {
        reportId,
        patient: who,
        releasedAt: new Date('2026-01-06T10:00:00Z'),
        releasedBy: 'Practitioner/c1',
        visibleFrom: new Date('2026-01-07T10:00:00Z'),
      });
    const [retiredReport, otherReport] = [randomUUID(), randomUUID()];
    const bystanderPatient = patient();
    await release(retiredReport, merge.retired);
    await release(otherReport, bystanderPatient);
    const owners = async () => {
      const rows = await db.query<{ report_id: string; patient: string }>(
        'SELECT report_id, patient FROM portal_result_release WHERE report_id = ANY($1::text[])',
        [[retiredReport, otherReport]],
      );
      return Object.fromEntries(rows.rows.map((row) => [row.report_id, row.patient]));
    };
    const follower = t.pathways.services.get(RESULT_RELEASES_SERVICE);

    await rolledBack(follower, merge);
    expect(await owners()).toEqual({ [retiredReport]: merge.retired, [otherReport]: bystanderPatient });

    await applied(follower, merge);
    expect(await owners()).toEqual({ [retiredReport]: merge.survivor, [otherReport]: bystanderPatient });
  });

  it('notification preferences: a withdrawal on either record stands on the survivor; the retired row goes', async () => {
    const merge = { retired: patient(), survivor: patient() };
    const { db } = t.pathways;
    const preferences = t.pathways.services.get(NOTIFICATION_PREFERENCES_SERVICE);
    await preferences.set(db, merge.retired, { smsConsent: false });
    await preferences.set(db, merge.survivor, { emailConsent: false });
    const rows = async (q: Queryable = db) =>
      (
        await q.query<{ patient: string }>(
          'SELECT patient FROM notification_preference WHERE patient = ANY($1::text[])',
          [[merge.retired, merge.survivor]],
        )
      ).rows
        .map((row) => row.patient)
        .sort();

    await rolledBack(preferences, merge);
    expect(await rows()).toEqual([merge.retired, merge.survivor].sort());
    expect(await preferences.get(db, merge.survivor)).toEqual({ smsConsent: true, emailConsent: false });

    await applied(preferences, merge);
    expect(await rows()).toEqual([merge.survivor]);
    expect(await preferences.get(db, merge.survivor)).toEqual({ smsConsent: false, emailConsent: false });

    // A record that never said anything: the survivor keeps what the retired one said.
    const quiet = { retired: patient(), survivor: patient() };
    await preferences.set(db, quiet.retired, { emailConsent: false });
    await applied(preferences, quiet);
    expect(await preferences.get(db, quiet.survivor)).toEqual({ smsConsent: true, emailConsent: false });
  });
});
