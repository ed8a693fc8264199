/**
 * The portal's own /sign-in in Chromium against the whole service in-process (PGlite): a patient
 * whose account is locked by wrong passwords is offered the self-unlock step (the same component as
 * the /oauth2/authorize page), gets a code sent by the service, unlocks, and signs in. Each step is
 * scanned with axe (WCAG 2.2 AA) with no console errors. The rest of the portal: portal.test.ts.
 */
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { TestApp } from '../app.js';
import {
  e164,
  enrol,
  freshIp,
  login,
  newContact,
  nextTotp,
  PASSWORD,
  pkce,
  registrationBody,
  storePatient,
} from '../support/identity/enrolment.js';
import { waitFor } from '../support/platform/wait.js';
import { describeBrowser } from './chromium.js';
import { check, focusedText, openTab, type Tab } from './portal-browser.js';
import { arrived } from './portal-steps.js';
import { servePortal } from './portal-suite.js';

/** The newest unlock code the service sent to either of the account's contacts. */
async function unlockCode(t: TestApp, recipients: [string, string]): Promise<string> {
  let bodies: string[] = [];
  await waitFor(
    async () => {
      const result = await t.pathways.db.query<{ body: string }>(
        `SELECT body FROM notification_recorded WHERE template = 'unlock-code' AND recipient IN ($1, $2)
         ORDER BY created_at DESC, id`,
        recipients,
      );
      bodies = result.rows.map((row) => row.body);
      return bodies.length > 0;
    },
    'an unlock-code message to the patient',
    30_000,
  );
  const code = /\b(\d{6})\b/.exec(bodies[0]!)?.[1];
  if (!code) throw new Error('no code in the unlock message');
  return code;
}

describeBrowser("the portal's sign-in in Chromium", () => {
  let t: TestApp;
  let browser: Browser;
  let base: string;
  let close: (() => Promise<void>) | undefined;
  let tab: Tab | undefined;

  beforeAll(async () => {
    ({ t, base, browser, close } = await servePortal());
  }, 300_000);

  afterAll(() => close?.());

  afterEach(async () => {
    const problems = tab?.problems ?? [];
    await tab?.close();
    tab = undefined;
    expect(problems, 'console errors, warnings or uncaught exceptions').toEqual([]);
  });

  it('offers a locked account the unlock step: a code sent to the holder, then sign in again', async () => {
    const fixture = { family: 'Lockwood', birthDate: '1984-03-15', postcode: 'LS1 4AP' };
    const { nhsNumber } = await storePatient(t.pathways.db, fixture);
    const contact = newContact();
    const body = registrationBody({ ...fixture, nhsNumber }, contact);
    const account = await enrol(t.pathways.app, t.pathways.db, body, contact, 'totp');
    // Five wrong passwords from five addresses lock the account (docs/api.md §3).
    for (let attempt = 0; attempt < 5; attempt++) {
      const refused = await login(t.pathways.app, account.username, pkce().challenge, freshIp(), 'wrong');
      expect(refused.statusCode).toBe(401);
    }

    tab = await openTab(browser, base, 320);
    const { page } = tab;
    // The locked answer (423) is the page working, as is the wrong code sent on purpose below.
    tab.allowFailedCall(/\/auth\/(login|unlock\/confirm)$/);
    await page.goto('/sign-in');
    await arrived(page, 'Sign in to Pathways', { title: 'Sign in', focus: false });
    await page.getByLabel('Email address or username').fill(account.username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText('Your account is locked because of too many wrong attempts').waitFor();
    await check(tab, 'sign-in-locked');
    await page.getByRole('button', { name: 'Unlock my account' }).click();

    await arrived(page, 'Unlock your account');
    const recipients: [string, string] = [contact.email, e164(contact.mobile)];
    await page.getByRole('button', { name: 'Send me an unlock code' }).click();
    await page.getByRole('status').getByText('If your account can be unlocked this way').waitFor();
    const code = await unlockCode(t, recipients);
    await check(tab, 'sign-in-unlock', true);
    await page.getByLabel('Unlock code').fill(code === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: 'Unlock account' }).click();
    await page.getByRole('link', { name: /The unlock code is not correct or has expired/ }).waitFor();
    await check(tab, 'sign-in-unlock-error');
    await page.getByLabel('Unlock code').fill(code);
    await page.getByRole('button', { name: 'Unlock account' }).click();

    await page.getByText('Your account is unlocked. Sign in with your username and password.').waitFor();
    await expect.poll(() => focusedText(page)).toBe('Sign in to Pathways');
    expect(await page.getByLabel('Email address or username').inputValue()).toBe(account.username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    await arrived(page, 'Enter your security code');
    // The next time step: the current one completed the enrolment, and each works once.
    await page
      .getByRole('textbox', { name: 'Security code', exact: true })
      .fill(nextTotp(account.totpSecret!));
    await page.getByRole('button', { name: 'Continue' }).click();
    await arrived(page, 'Your health', { focus: false });
  }, 300_000);
});
