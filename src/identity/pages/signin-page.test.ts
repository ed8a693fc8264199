/**
 * The sign-in page's accessibility and layout in a real browser (Debian Chromium): completed with
 * the keyboard only, a 320 px screen without sideways scrolling (also with errors shown), and the
 * accessible error page for a refused request, under the production CSP with no console errors.
 * The page is the web build's signin.html and the sign-in API is faked with the documented answers
 * (test/support/identity/signin-page.ts). The flows themselves: signin-flows.test.ts.
 */
import { expect, it } from 'vitest';
import { describeBrowser, sidewaysOverflow } from '../../../test/browser/chromium.js';
import {
  expectAxeClean,
  focusedHref,
  focusedId,
  focusedText,
  SCREENSHOTS,
  STATE,
  signinPageSuite,
  summary,
} from '../../../test/support/identity/signin-page.js';

describeBrowser('sign-in page in Chromium: keyboard, small screens, refused requests', () => {
  const s = signinPageSuite();

  it('can be completed with the keyboard only (Tab, typing, Enter)', async () => {
    const page = await s.open(s.authorizeUrl());
    await page.getByRole('heading', { level: 1, name: 'Sign in to Pathways' }).waitFor();
    await page.keyboard.press('Tab');
    await expect(focusedText(page)).resolves.toBe('Skip to main content');
    // The header's two links to the portal's home page (logo and service name), then the form.
    await page.keyboard.press('Tab');
    await expect(focusedHref(page)).resolves.toBe('/');
    await page.keyboard.press('Tab');
    await expect(focusedHref(page)).resolves.toBe('/');
    await page.keyboard.press('Tab');
    await expect(focusedId(page)).resolves.toBe('username');
    await page.keyboard.type('alice');
    await page.keyboard.press('Tab');
    await expect(focusedId(page)).resolves.toBe('password');
    await page.keyboard.type('correct horse');
    await page.keyboard.press('Enter');

    await page.getByRole('heading', { level: 1, name: 'Enter your security code' }).waitFor();
    await expect(focusedText(page)).resolves.toBe('Enter your security code');
    await page.keyboard.press('Tab');
    await expect(focusedId(page)).resolves.toBe('otp');
    await page.keyboard.type('123456');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/portal\/callback\?/);
    expect(s.recorded.callbacks.at(-1)).toEqual({ code: 'code-abc', state: STATE });
  });

  it('fits a 320 px wide screen without horizontal scrolling, also with errors shown', async () => {
    const page = await s.open(s.authorizeUrl(), 320);
    const overflow = () => sidewaysOverflow(page);
    await page.getByRole('heading', { level: 1, name: 'Sign in to Pathways' }).waitFor();
    await expect(overflow()).resolves.toEqual({ pageFonts: 0, wideFont: 0 });
    await page.getByLabel('Email address or username').fill('alice');
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Continue' }).click();
    await summary(page).waitFor({ state: 'visible' });
    await expect(overflow()).resolves.toEqual({ pageFonts: 0, wideFont: 0 });
    await page.screenshot({ path: `${SCREENSHOTS}signin-error-320px.png`, fullPage: true });
  });

  it('refuses a redirect_uri on another origin with an accessible 400 page and no link to it', async () => {
    const page = await (await s.newContext()).newPage();
    page.on('console', (message) => {
      // The 400 itself is reported as a failed load of the document; nothing else may be.
      if (message.type() === 'error' && !message.text().includes('400')) s.consoleErrors.push(message.text());
    });
    const response = await page.goto(s.authorizeUrl('https://evil.example/callback'));
    expect(response?.status()).toBe(400);
    await page
      .getByRole('heading', { level: 1, name: 'Sorry, there is a problem with this sign-in link' })
      .waitFor();
    await expect(page.content()).resolves.not.toContain('evil.example');
    await expectAxeClean(page);
  });
});
