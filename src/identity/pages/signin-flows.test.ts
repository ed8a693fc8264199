/**
 * The sign-in page's flows in a real browser (Debian Chromium): password then a TOTP or texted
 * code back to the redirect_uri with code and state, the errors each step shows, a locked account
 * and its unlock step, each page scanned with axe (WCAG 2.2 AA) under the production CSP with no
 * console errors. The page is the web build's signin.html and the sign-in API is faked with the
 * documented answers (test/support/identity/signin-page.ts). Keyboard use, small screens and the
 * refused-request page: signin-page.test.ts.
 */
import { expect, it } from 'vitest';
import { describeBrowser } from '../../../test/browser/chromium.js';
import {
  CHALLENGE,
  expectAxeClean,
  focusedId,
  focusedSummary,
  focusedText,
  SCREENSHOTS,
  STATE,
  signinPageSuite,
  summary,
} from '../../../test/support/identity/signin-page.js';

/** A whole flow runs a dozen browser steps and several axe scans: minutes on a loaded machine. */
const LONG_FLOW_MS = 120_000;

describeBrowser('sign-in page flows in Chromium', () => {
  const s = signinPageSuite();

  it(
    'signs in with username, password and code, and returns to the redirect_uri with code and state',
    async () => {
      const page = await s.open(s.authorizeUrl());
      await page.getByRole('heading', { level: 1, name: 'Sign in to Pathways' }).waitFor();
      await expect(page.title()).resolves.toBe('Sign in – Pathways');
      await expectAxeClean(page);
      await page.screenshot({ path: `${SCREENSHOTS}signin-password.png`, fullPage: true });

      await page.getByLabel('Email address or username').fill('alice');
      await page.getByLabel('Password').fill('correct horse');
      await page.getByRole('button', { name: 'Continue' }).click();

      const heading = page.getByRole('heading', { level: 1, name: 'Enter your security code' });
      await heading.waitFor();
      await expect(focusedText(page)).resolves.toBe('Enter your security code');
      await expect(page.title()).resolves.toBe('Enter your security code – Pathways');
      await expectAxeClean(page);
      await page.screenshot({ path: `${SCREENSHOTS}signin-code.png`, fullPage: true });

      await page.getByLabel('Security code').fill('000000');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('link', { name: 'The security code is not correct or has expired' }).waitFor();
      await expect(focusedSummary(page)).resolves.toBe(true);
      await expect(page.title()).resolves.toBe('Error: Enter your security code – Pathways');
      await expectAxeClean(page);

      // Signing in twice within the same 30 s: the code was just used, not wrong.
      await page.getByLabel('Security code').fill('222222');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page
        .getByRole('link', {
          name: 'This security code has just been used. Wait for the next code, then enter it',
        })
        .waitFor();

      await page.getByLabel('Security code').fill(' 123456 ');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL(/\/portal\/callback\?/);

      expect(s.recorded.callbacks.at(-1)).toEqual({ code: 'code-abc', state: STATE });
      expect(s.recorded.logins.at(-1)).toEqual({
        username: 'alice',
        password: 'correct horse',
        codeChallenge: CHALLENGE,
        codeChallengeMethod: 'S256',
      });
    },
    LONG_FLOW_MS,
  );

  it(
    'texts a code to an SMS account, sends a new one on request, and signs in with it',
    async () => {
      const page = await s.open(s.authorizeUrl());
      await page.getByLabel('Email address or username').fill('bob');
      await page.getByLabel('Password').fill('correct horse');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('heading', { level: 1, name: 'Enter your security code' }).waitFor();
      await expect(page.locator('#otp-hint').textContent()).resolves.toMatch(
        /we texted to your mobile phone/,
      );
      expect(s.recorded.smsSent).toEqual(['login-2']);
      await expectAxeClean(page);

      await page.getByRole('button', { name: 'Send me another code' }).click();
      await page.getByText('We have sent you another code.').waitFor();
      expect(s.recorded.smsSent).toEqual(['login-2', 'login-2']);

      await page.getByLabel('Security code').fill('111111');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('link', { name: 'The security code is not correct or has expired' }).waitFor();

      await page.getByLabel('Security code').fill('222222');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page
        .getByRole('link', { name: 'This security code has already been used. Ask for a new code' })
        .waitFor();

      await page.getByRole('button', { name: 'Send me another code' }).click();
      await page.getByRole('button', { name: 'Send me another code' }).click();
      await summary(page).getByText('You have tried too many times').waitFor();
      expect(s.recorded.smsSent).toEqual(['login-2', 'login-2', 'login-2']);
      await expectAxeClean(page);

      await page.getByLabel('Security code').fill('654321');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL(/\/portal\/callback\?/);
      expect(s.recorded.callbacks.at(-1)).toEqual({ code: 'code-sms', state: STATE });
    },
    LONG_FLOW_MS,
  );

  it('shows a wrong password in the error summary, focuses it, and links it to the field', async () => {
    const page = await s.open(s.authorizeUrl());
    await page.getByLabel('Email address or username').fill('alice');
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Continue' }).click();

    await summary(page).waitFor({ state: 'visible' });
    await expect(summary(page).textContent()).resolves.toContain(
      'Your email address or password is not correct',
    );
    await expect(focusedSummary(page)).resolves.toBe(true);
    await expect(page.title()).resolves.toBe('Error: Sign in – Pathways');
    await expect(page.locator('#password-error').textContent()).resolves.toContain(
      'Your email address or password is not correct',
    );
    await expectAxeClean(page);
    await page.screenshot({ path: `${SCREENSHOTS}signin-error.png`, fullPage: true });

    await summary(page).getByRole('link').click();
    await expect(focusedId(page)).resolves.toBe('password');
  });

  it('asks for both fields when they are empty', async () => {
    const page = await s.open(s.authorizeUrl());
    await page.getByRole('button', { name: 'Continue' }).click();
    await summary(page).waitFor({ state: 'visible' });
    await expect(summary(page).locator('li').allTextContents()).resolves.toEqual([
      'Enter your email address or username',
      'Enter your password',
    ]);
    expect(s.recorded.logins.filter((body) => (body as { username: string }).username === '')).toEqual([]);
  });

  it('says how long a locked account stays locked, from Retry-After', async () => {
    const page = await s.open(s.authorizeUrl());
    await page.getByLabel('Email address or username').fill('locked');
    await page.getByLabel('Password').fill('anything');
    await page.getByRole('button', { name: 'Continue' }).click();
    await summary(page).waitFor({ state: 'visible' });
    await expect(summary(page).locator('li').textContent()).resolves.toBe(
      'Your account is locked because of too many wrong attempts. Try again in 14 minutes.',
    );

    await page.getByLabel('Email address or username').fill('busy');
    await page.getByLabel('Password').fill('anything');
    await page.getByRole('button', { name: 'Continue' }).click();
    await summary(page).getByText('You have tried too many times. Wait 1 minute and try again.').waitFor();
  });

  it(
    'offers a locked account an unlock step: a code sent to the holder, then sign in again',
    async () => {
      const page = await s.open(s.authorizeUrl(), 320);
      await page.getByLabel('Email address or username').fill('carol');
      await page.getByLabel('Password').fill('correct horse');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByText('Your account is locked. Unlock it with a code we send you').waitFor();
      await expectAxeClean(page);
      await page.getByRole('button', { name: 'Unlock my account' }).click();

      await page.getByRole('heading', { level: 1, name: 'Unlock your account' }).waitFor();
      await expect(focusedText(page)).resolves.toBe('Unlock your account');
      await expect(page.title()).resolves.toBe('Unlock your account – Pathways');
      await page.getByRole('button', { name: 'Send me an unlock code' }).click();
      await page.getByRole('status').getByText('If your account can be unlocked this way').waitFor();
      expect(s.recorded.unlocks.at(-1)).toEqual({ username: 'carol' });
      await expectAxeClean(page);
      await page.screenshot({ path: `${SCREENSHOTS}signin-unlock-320px.png`, fullPage: true });

      await page.getByLabel('Unlock code').fill('12345');
      await page.getByRole('button', { name: 'Unlock account' }).click();
      await page.getByRole('link', { name: 'The unlock code must be 6 numbers' }).waitFor();
      await page.getByLabel('Unlock code').fill('111111');
      await page.getByRole('button', { name: 'Unlock account' }).click();
      await page.getByRole('link', { name: /The unlock code is not correct or has expired/ }).waitFor();
      await expect(focusedSummary(page)).resolves.toBe(true);
      await expectAxeClean(page);
      const overflow = await page.evaluate<number>(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      );
      expect(overflow).toBeLessThanOrEqual(0);

      await page.getByLabel('Unlock code').fill('246 810');
      await page.getByRole('button', { name: 'Unlock account' }).click();
      await page.getByText('Your account is unlocked. Sign in with your username and password.').waitFor();
      await expect(focusedText(page)).resolves.toBe('Sign in to Pathways');
      await expect(page.getByLabel('Email address or username').inputValue()).resolves.toBe('carol');
      await expectAxeClean(page);
      await page.getByLabel('Password').fill('correct horse');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('heading', { level: 1, name: 'Enter your security code' }).waitFor();
    },
    LONG_FLOW_MS,
  );
});
