/**
 * The portal's own flows driven the way a person does them (labels, buttons, the keyboard), for
 * the browser suite: enrolling, signing in, and confirming it is you (step-up).
 */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { currentTotp } from '../../src/identity/accounts/totp.js';
import type { TestApp } from '../app.js';
import { check, focusedText, type Tab } from './portal-browser.js';
import { nextCode, type PatientFixture } from './portal-seed.js';

/** Waits for the page's h1 and checks the title names the page and focus moved to the heading. */
export async function arrived(
  page: Page,
  heading: string,
  options: { focus?: boolean; title?: string } = {},
) {
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  await expect.poll(() => page.title()).toBe(`${options.title ?? heading} – Pathways`);
  if (options.focus !== false) expect(await focusedText(page)).toContain(heading);
}

/** The four enrolment steps. `method` picks SMS or an authenticator app; `scan` runs axe on each. */
export async function enrol(
  t: TestApp,
  tab: Tab,
  patient: PatientFixture,
  options: { method: 'sms' | 'totp'; scan?: boolean },
): Promise<{ totpSecret?: string }> {
  const { page } = tab;
  const scan = async (name: string) => (options.scan ? check(tab, name, name === 'enrol') : undefined);
  await arrived(page, 'Create your account');
  await scan('enrol');
  await page.getByRole('radio', { name: 'NHS number' }).check();
  await page.getByLabel('Your NHS number').fill(patient.nhsNumber);
  await page.getByLabel('Day').fill(patient.birth.day);
  await page.getByLabel('Month').fill(patient.birth.month);
  await page.getByLabel('Year').fill(patient.birth.year);
  await page.getByLabel('Last name').fill(patient.family);
  await page.getByLabel('Postcode').fill(patient.postcode);
  await page.getByLabel('Email address').fill(patient.email);
  await page.getByLabel('UK mobile phone number').fill(patient.mobile);
  await page.getByLabel('Create a password').fill(patient.password);
  await page.getByLabel('Enter the password again').fill(patient.password);
  await page.getByLabel('Enter the password again').press('Enter');

  await arrived(page, 'Check your email and phone');
  await scan('enrol-verify');
  await page
    .getByLabel('Code from the email')
    .fill((await nextCode(t, patient.email, 'verify-contact', 0)).code);
  const mobileCode = await nextCode(t, patient.mobileE164, 'verify-contact', 0);
  await page.getByLabel('Code from the text message').fill(mobileCode.code);
  await page.getByLabel('Code from the text message').press('Enter');

  await arrived(page, 'How do you want to get security codes?');
  await scan('enrol-choose');
  await page
    .getByRole('radio', { name: options.method === 'sms' ? 'A text message' : 'An authenticator app' })
    .check();
  await page.getByRole('button', { name: 'Continue' }).click();

  let otp: string;
  let totpSecret: string | undefined;
  if (options.method === 'sms') {
    await arrived(page, 'Enter the code we texted you');
    otp = (await nextCode(t, patient.mobileE164, 'verify-contact', mobileCode.count)).code;
  } else {
    await arrived(page, 'Set up your authenticator app');
    const key = (await page.locator('ol code').innerText()).replace(/\s/g, '');
    expect(key).toMatch(/^[A-Z2-7]{16,}$/);
    totpSecret = key;
    otp = freshTotp(key);
  }
  await scan('enrol-confirm');
  await page.getByRole('textbox', { name: 'Security code', exact: true }).fill(otp);
  await page.getByRole('button', { name: 'Create account' }).click();
  await arrived(page, 'Account created', { title: 'Your account is ready' });
  expect(await page.locator('.nhsuk-panel__body').innerText()).toContain(patient.email);
  await scan('enrol-done');
  return totpSecret ? { totpSecret } : {};
}

/** Password, then the text-message code the server sends (an SMS account). */
export async function signInWithSms(
  t: TestApp,
  tab: Tab,
  patient: PatientFixture,
  scan = false,
): Promise<void> {
  const { page } = tab;
  await arrived(page, 'Sign in to Pathways', { title: 'Sign in', focus: false });
  if (scan) await check(tab, 'sign-in', true);
  const before = await sentCodes(t, patient.mobileE164);
  await page.getByLabel('Email address or username').fill(patient.email);
  await page.getByLabel('Password').fill(patient.password);
  await page.getByLabel('Password').press('Enter');
  await arrived(page, 'Enter your security code');
  if (scan) await check(tab, 'sign-in-code');
  await page
    .getByRole('textbox', { name: 'Security code', exact: true })
    .fill((await nextCode(t, patient.mobileE164, 'sign-in-code', before)).code);
  await page.getByRole('textbox', { name: 'Security code', exact: true }).press('Enter');
}

const usedSteps = new Map<string, Set<number>>();

/** A TOTP code for a time step this account has not used yet (each step works once). */
export function freshTotp(secret: string): string {
  const used = usedSteps.get(secret) ?? new Set<number>();
  usedSteps.set(secret, used);
  const now = Math.floor(Date.now() / 30_000);
  const step = [now, now + 1, now - 1].find((candidate) => !used.has(candidate));
  if (step === undefined) throw new Error('no unused TOTP step in the window: wait 30 s');
  used.add(step);
  return currentTotp(secret, new Date(step * 30_000 + 15_000));
}

export async function signInWithTotp(tab: Tab, username: string, password: string, secret: string) {
  const { page } = tab;
  await arrived(page, 'Sign in to Pathways', { title: 'Sign in', focus: false });
  await page.getByLabel('Email address or username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByLabel('Password').press('Enter');
  await arrived(page, 'Enter your security code');
  await page.getByRole('textbox', { name: 'Security code', exact: true }).fill(freshTotp(secret));
  await page.getByRole('textbox', { name: 'Security code', exact: true }).press('Enter');
}

export async function sentCodes(t: TestApp, recipient: string): Promise<number> {
  const result = await t.pathways.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM notification_recorded WHERE recipient = $1 AND template = 'sign-in-code'`,
    [recipient],
  );
  return Number(result.rows[0]!.n);
}

/**
 * Sends a repeat request from the request page once the sign-in is older than the step-up limit,
 * so the server asks to confirm; confirms with the password and a texted code.
 */
export async function requestRepeatWithStepUp(
  t: TestApp,
  tab: Tab,
  patient: PatientFixture,
  staleAfter: number,
  scan: boolean,
): Promise<void> {
  const { page } = tab;
  tab.allowFailedCall(/\/fhir\/R4\/MedicationRequest\/\$request-repeat$/);
  const wait = staleAfter - Date.now();
  if (wait > 0) await page.waitForTimeout(wait);
  await page.getByRole('button', { name: 'Send request' }).click();
  await page.getByRole('heading', { level: 2, name: 'Confirm it is you' }).waitFor();
  expect(await focusedText(page)).toBe('Confirm it is you');
  if (scan) await check(tab, 'repeat-step-up', true);
  const before = await sentCodes(t, patient.mobileE164);
  // Known in the tab that signed in; asked again after a reload (it is kept in memory only).
  const username = page.getByLabel('Email address or username');
  if ((await username.count()) > 0) await username.fill(patient.email);
  await page.getByLabel('Password').fill(patient.password);
  await page.getByLabel('Password').press('Enter');
  await page.getByRole('heading', { level: 2, name: 'Enter your security code' }).waitFor();
  await page
    .getByRole('textbox', { name: 'Security code', exact: true })
    .fill((await nextCode(t, patient.mobileE164, 'sign-in-code', before)).code);
  await page.getByRole('button', { name: 'Confirm and send request' }).click();
  await page.getByRole('heading', { level: 2, name: 'Request sent' }).waitFor();
  expect(await focusedText(page)).toBe('Request sent');
}
