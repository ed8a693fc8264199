/**
 * Removing a nominated pharmacy from the portal's /nominated-pharmacy page in Chromium, against the
 * whole service in-process (PGlite): the button asks first (saying what happens to new
 * prescriptions), "No" keeps the nomination and returns focus to the button, "Yes" removes it
 * through the same API call the patient could make (`pharmacy` without a value), and a refused
 * call leaves the nomination shown with the error summary. Each state is scanned with axe (WCAG
 * 2.2 AA) at 320 and 1024 px, with no sideways scrolling at 320 px and no console errors.
 */
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createAccount } from '../../src/identity/accounts/store.js';
import type { TestApp } from '../app.js';
import { storePatient } from '../support/identity/enrolment.js';
import { describeBrowser } from './chromium.js';
import { check, focusedText, openTab, type Tab } from './portal-browser.js';
import { api, storePharmacies } from './portal-seed.js';
import { arrived, signInWithTotp } from './portal-steps.js';
import { servePortal } from './portal-suite.js';

const PHARMACY = { ods: 'FRN01', name: 'Briggate Pharmacy' };
const OTHER_PHARMACY = { ods: 'FRN02', name: 'Roundhay Pharmacy' };
const REMOVE = 'Remove your nominated pharmacy';
const QUESTION = `Remove ${PHARMACY.name} as your nominated pharmacy?`;

describeBrowser('removing a nominated pharmacy in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let base: string;
  let close: (() => Promise<void>) | undefined;
  let admin: string;
  let tab: Tab | undefined;
  let people = 0;

  beforeAll(async () => {
    ({ t, base, browser, close } = await servePortal());
    admin = await t.bearer({ roles: ['admin'] });
    await storePharmacies(t, admin, [
      { ...PHARMACY, postalCode: 'LS1 6AZ' },
      { ...OTHER_PHARMACY, postalCode: 'LS8 2QE' },
    ]);
  }, 300_000);

  afterAll(() => close?.());

  afterEach(async () => {
    const problems = tab?.problems ?? [];
    await tab?.close();
    tab = undefined;
    expect(problems, 'console errors, warnings or uncaught exceptions').toEqual([]);
  });

  /** A patient with a portal account who has nominated `ods` through the API. */
  async function nominator(ods: string) {
    people++;
    const { patient } = await storePatient(t.pathways.db, {
      family: `Nominator${people}`,
      birthDate: `1971-05-0${(people % 9) + 1}`,
      postcode: 'LS1 6AZ',
    });
    const account = await createAccount(t.pathways.db, {
      username: `nominator-${people}-${Date.now().toString(36)}`,
      role: 'patient',
      fhirUser: patient,
      secretKey: t.pathways.identity.secretKey,
    });
    const token = await t.bearer({ roles: ['patient'], fhirUser: patient });
    const id = patient.slice('Patient/'.length);
    await api(t, token, 'POST', `/fhir/R4/Patient/${id}/$nominate-pharmacy`, {
      resourceType: 'Parameters',
      parameter: [{ name: 'pharmacy', valueCode: ods }],
    });
    const nominated = async (): Promise<string | undefined> =>
      (await api(t, token, 'GET', `/fhir/R4/Patient/${id}/$nominated-pharmacy`)).parameter?.[0]?.resource
        ?.identifier?.[0]?.value;
    expect(await nominated()).toBe(ods);
    return { patient, account, nominated };
  }

  async function signedInOnPage(
    width: number,
    account: { username: string; password: string; totpSecret: string },
  ) {
    tab = await openTab(browser, base, width);
    await tab.page.goto('/nominated-pharmacy');
    await signInWithTotp(tab, account.username, account.password, account.totpSecret);
    await arrived(tab.page, 'Your nominated pharmacy');
    return tab;
  }

  it.each([
    320, 1024,
  ])('asks before removing, keeps it on "No", removes it on "Yes" at %i px', async (width) => {
    const me = await nominator(PHARMACY.ods);
    const bystander = await nominator(OTHER_PHARMACY.ods);
    const events = async () =>
      (
        await t.pathways.db.query<{ payload: unknown }>(
          "SELECT payload FROM outbox_event WHERE type = 'nomination-changed' AND key = $1 ORDER BY seq",
          [me.patient],
        )
      ).rows.map((row) => (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload));
    const tab = await signedInOnPage(width, me.account);
    const { page } = tab;
    const main = page.locator('main');
    expect(await main.innerText()).toContain(PHARMACY.name);
    await check(tab, 'nominated-pharmacy-current');

    // The first press only asks: what happens next, and a way out.
    await page.getByRole('button', { name: REMOVE }).click();
    await page.getByRole('heading', { level: 2, name: QUESTION }).waitFor();
    expect(await focusedText(page)).toBe(QUESTION);
    expect(await main.innerText()).toContain(
      'New prescriptions will no longer go to a pharmacy automatically.',
    );
    expect(await me.nominated()).toBe(PHARMACY.ods);
    await check(tab, 'nominated-pharmacy-remove', true);

    // "No": nothing changes, and the keyboard is back on the button it pressed.
    await page.getByRole('button', { name: 'No, keep it' }).click();
    await expect.poll(() => focusedText(page)).toBe(REMOVE);
    expect(await page.getByRole('heading', { name: QUESTION }).count()).toBe(0);
    expect(await me.nominated()).toBe(PHARMACY.ods);

    // "Yes", by keyboard this time.
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 2, name: QUESTION }).waitFor();
    await page.getByRole('button', { name: 'Yes, remove it' }).focus();
    await page.keyboard.press('Enter');
    const done = `${PHARMACY.name} is no longer your nominated pharmacy.`;
    await page.getByText(done).waitFor();
    expect(await focusedText(page)).toContain(done);
    expect(await main.innerText()).toContain('You have not nominated a pharmacy.');
    expect(await page.getByRole('button', { name: REMOVE }).count()).toBe(0);
    expect(await page.getByRole('heading', { level: 2, name: 'Choose a pharmacy' }).count()).toBe(1);
    await check(tab, 'nominated-pharmacy-removed', true);

    // Removed in the service, announced once; another patient's nomination is untouched.
    expect(await me.nominated()).toBeUndefined();
    expect(await events()).toEqual([
      { patient: me.patient, pharmacy: PHARMACY.ods, previous: null },
      { patient: me.patient, pharmacy: null, previous: PHARMACY.ods },
    ]);
    expect(await bystander.nominated()).toBe(OTHER_PHARMACY.ods);

    // A reload reads it from the service again.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Your nominated pharmacy' }).waitFor();
    await page.getByText('You have not nominated a pharmacy.').waitFor();
    expect(await page.getByRole('button', { name: REMOVE }).count()).toBe(0);
  }, 300_000);

  it('keeps the nomination shown, with the problem, when the service refuses the removal', async () => {
    const me = await nominator(PHARMACY.ods);
    const tab = await signedInOnPage(320, me.account);
    const { page } = tab;
    const nominateCall = /\/\$nominate-pharmacy$/;
    tab.allowFailedCall(nominateCall);
    await page.route(nominateCall, (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/fhir+json',
        headers: { 'retry-after': '5' },
        body: JSON.stringify({
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code: 'transient', diagnostics: 'database unavailable' }],
        }),
      }),
    );
    await page.getByRole('button', { name: REMOVE }).click();
    await page.getByRole('button', { name: 'Yes, remove it' }).click();
    await expect.poll(() => focusedText(page)).toContain('There is a problem');
    expect(await page.locator('.nhsuk-error-summary').innerText()).toContain(
      'Sorry, there is a problem with the service. Try again later.',
    );
    await expect.poll(() => page.title()).toBe('Error: Your nominated pharmacy – Pathways');
    // Still nominated, in the service and on the page, and the patient can try again.
    expect(await me.nominated()).toBe(PHARMACY.ods);
    expect(await page.locator('.nhsuk-summary-list').innerText()).toContain(PHARMACY.name);
    expect(await page.getByRole('button', { name: 'Yes, remove it' }).isEnabled()).toBe(true);
    await check(tab, 'nominated-pharmacy-remove-refused');

    await page.unroute(nominateCall);
    await page.getByRole('button', { name: 'Yes, remove it' }).click();
    await page.getByText(`${PHARMACY.name} is no longer your nominated pharmacy.`).waitFor();
    expect(await me.nominated()).toBeUndefined();
  }, 300_000);
});
