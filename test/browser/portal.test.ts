/**
 * The web portal end to end in Chromium, against the whole service in-process (PGlite) with the
 * app built from the current sources: a patient enrols, signs in, finds their prescription, requests a repeat with
 * step-up, cancels an appointment and reads a released result; then every page is scanned with axe
 * (WCAG 2.2 AA) at 1024 and 320 px, as a patient and as the service desk, with no console errors.
 * PORTAL_SCREENSHOTS=1 also writes docs/screenshots/portal-*.png.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { TestApp } from '../app.js';
import { describeBrowser } from './chromium.js';
import {
  check,
  focusedId,
  focusedText,
  goInApp,
  openTab,
  storedKeys,
  type Tab,
  tabTo,
} from './portal-browser.js';
import { api, type DeskSeed, type JourneySeed, registerPatient } from './portal-seed.js';
import { arrived, enrol, requestRepeatWithStepUp, signInWithSms, signInWithTotp } from './portal-steps.js';
import { type PortalSuite, startPortal } from './portal-suite.js';

/** Short, so the suite can see a sign-in go stale; long enough for the retry after step-up. */
const STEP_UP_S = 10;
const WIDTHS = [1024, 320];

describeBrowser('the patient and service-desk portal in Chromium', () => {
  let suite: PortalSuite;
  let t: TestApp;
  let seed: JourneySeed;
  let desk: DeskSeed;
  let tabs: Tab[] = [];

  beforeAll(async () => {
    suite = await startPortal({ stepUpS: STEP_UP_S, worklistItems: WIDTHS.length });
    ({ t, seed, desk } = suite);
  }, 400_000);

  afterAll(() => suite?.close());

  afterEach(async () => {
    const problems = tabs.flatMap((tab) => tab.problems);
    await Promise.all(tabs.map((tab) => tab.close()));
    tabs = [];
    expect(problems, 'console errors, warnings or uncaught exceptions').toEqual([]);
  });

  async function open(width: number, path = '/'): Promise<Tab> {
    const tab = await openTab(suite.browser, suite.base, width);
    tabs.push(tab);
    await tab.page.goto(path);
    return tab;
  }

  it('takes a patient from enrolment to a released result, by keyboard where a person would', async () => {
    const tab = await open(1024);
    const { page } = tab;
    const patient = seed.patient;
    await arrived(page, 'Your prescriptions, appointments and test results', {
      focus: false,
      title: 'Pathways: your prescriptions, appointments and test results',
    });
    await page.keyboard.press('Tab');
    expect(await focusedText(page)).toBe('Skip to main content');
    await page.keyboard.press('Enter');
    expect(await focusedId(page)).toBe('maincontent');
    await tabTo(page, /^Create an account$/);
    await page.keyboard.press('Enter');

    // A form sent empty says what to fix, takes focus, and each message leads to its field.
    await arrived(page, 'Create your account');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => page.title()).toBe('Error: Create your account – Pathways');
    expect(await focusedText(page)).toContain('There is a problem');
    await check(tab, 'enrol-errors', true);
    await page.getByRole('link', { name: 'Enter your last name' }).click();
    expect(await focusedId(page)).toBe('family');
    await page.getByRole('link', { name: 'Pathways homepage' }).click();
    await page.getByRole('link', { name: 'Create an account' }).click();
    await enrol(t, tab, patient, { method: 'sms' });

    await tabTo(page, /^Sign in$/);
    await page.keyboard.press('Enter');
    await signInWithSms(t, tab, patient);
    await arrived(page, 'Your health');
    const signedIn = Date.now();
    expect(await page.locator('.nhsuk-caption-l').innerText()).toBe(`${patient.given} ${patient.family}`);
    // Tokens live in memory; only the refresh token is in sessionStorage, nothing in localStorage.
    expect(await storedKeys(page)).toEqual([[], ['pathways.refresh']]);

    await tabTo(page, /^Prescriptions$/);
    await page.keyboard.press('Enter');
    await arrived(page, 'Your prescriptions');
    const medicine = seed.medicines[0]!;
    const card = page.locator('li.nhsuk-card', { hasText: medicine });
    expect(await card.locator('.nhsuk-tag').innerText()).toBe('Waiting for a pharmacy to collect it');
    // Told apart by its medicines; where it came from and which pharmacy it goes to; counted in
    // the unit of each medicine; no item row repeating the tag in other words.
    expect(await card.locator('h2').innerText()).toBe(`${medicine} and 2 other medicines`);
    const cardText = await card.innerText();
    for (const words of [
      seed.prescriberName,
      'Nominated pharmacy',
      seed.pharmacyName,
      '21 capsules',
      '30 tablets',
      '6 capsules',
    ]) {
      expect(cardText).toContain(words);
    }
    expect(await card.locator('dt', { hasText: /^Status$/ }).count()).toBe(0);
    // A reload keeps the person signed in (the tab's refresh token) and on the same page.
    await page.reload();
    await arrived(page, 'Your prescriptions', { focus: false });
    await card.getByRole('link', { name: `Request a repeat of ${medicine}` }).click();
    await arrived(page, 'Request a repeat prescription');
    await page.getByLabel(/anything your GP practice should know/).fill('I take one a day now.');
    await requestRepeatWithStepUp(t, tab, patient, signedIn + (STEP_UP_S + 1) * 1000, true);
    const prescriber = await t.bearer({
      roles: ['prescriber'],
      org: seed.prescriberOrg,
      fhirUser: 'Practitioner/gp',
    });
    const worklist = await api(
      t,
      prescriber,
      'GET',
      `/fhir/R4/Task?code=https://fhir.pathways.dev/CodeSystem/task-code|repeat-request&owner:identifier=${encodeURIComponent(seed.prescriberOrg)}`,
    );
    expect(
      worklist.entry.map(
        (entry: { resource: { for: { reference: string } } }) => entry.resource.for.reference,
      ),
    ).toEqual([`Patient/${patient.id}`]);

    await tabTo(page, /^Appointments$/);
    await page.keyboard.press('Enter');
    await arrived(page, 'Your appointments');
    expect(await page.locator('li.nhsuk-card', { hasText: 'Cardiology follow-up' }).innerText()).toContain(
      seed.clinicPhone,
    );
    await page
      .locator('li.nhsuk-card', { hasText: 'Blood pressure check' })
      .getByRole('link', { name: /^Cancel this appointment/ })
      .click();
    await arrived(page, 'Cancel your appointment');
    await page.getByRole('button', { name: 'Cancel appointment' }).click();
    await expect.poll(() => focusedText(page)).toContain('Select why you are cancelling');
    await page.getByRole('radio', { name: 'I am feeling better' }).check();
    await page.getByRole('button', { name: 'Cancel appointment' }).click();
    await arrived(page, 'Your appointments');
    expect(await page.locator('.nhsuk-notification-banner').innerText()).toContain('has been cancelled');
    const past = page.locator('section, main').locator('li.nhsuk-card', { hasText: 'Blood pressure check' });
    expect(await past.locator('.nhsuk-tag').innerText()).toBe('Cancelled');
    const clinician = await t.bearer({
      roles: ['clinician'],
      fhirUser: 'Practitioner/clinician-1',
      org: 'RXX01',
    });
    const cancelled = await api(t, clinician, 'GET', `/fhir/R4/Appointment/${seed.toCancel.id}`);
    expect([cancelled.status, cancelled.cancelationReason?.text]).toEqual([
      'cancelled',
      'I am feeling better',
    ]);

    await tabTo(page, /^Test results$/);
    await page.keyboard.press('Enter');
    await arrived(page, 'Your test results');
    expect(await page.getByRole('link', { name: 'Liver function tests' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Full blood count' }).click();
    await arrived(page, 'Test result Full blood count', { title: 'Full blood count', focus: false });
    expect(await page.locator('main').innerText()).toContain('131 g/L');
    expect(await page.locator('main').innerText()).toContain('Normal range: 115 g/L to 165 g/L');
    expect(await page.locator('main .nhsuk-tag').innerText()).toBe('Normal');
    const seen = await t.pathways.db.query(
      "SELECT 1 FROM outbox_event WHERE type = 'result-seen' AND key = $1",
      [`DiagnosticReport/${seed.releasedReport}`],
    );
    expect(seen.rowCount).toBe(1);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await arrived(page, 'You have signed out');
    expect(await storedKeys(page)).toEqual([[], []]);
  }, 300_000);

  it.each(WIDTHS)('shows every patient page accessibly at %i px', async (width) => {
    const tab = await open(width, '/');
    const { page } = tab;
    await check(tab, 'start', true);
    await page.getByRole('link', { name: 'Create an account' }).click();
    const newcomer = await registerPatient(t, width > 400 ? 'Ada' : 'Bea', 'Newcomer');
    const enrolled = await enrol(t, tab, newcomer, { method: width > 400 ? 'totp' : 'sms', scan: true });

    // Someone new has nothing yet: the pages say so plainly.
    await page.getByRole('link', { name: 'Sign in' }).click();
    if (enrolled.totpSecret)
      await signInWithTotp(tab, newcomer.email, newcomer.password, enrolled.totpSecret);
    else await signInWithSms(t, tab, newcomer);
    await arrived(page, 'Your health');
    await goInApp(page, '/results');
    await page.getByRole('heading', { level: 2, name: 'No results to see yet' }).waitFor();
    await check(tab, 'results-empty');
    await goInApp(page, '/prescriptions');
    await page.getByText('You have no prescriptions.').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await arrived(page, 'You have signed out');
    await check(tab, 'signed-out');

    await page.goto('/prescriptions');
    await signInWithSms(t, tab, seed.patient, true);
    await arrived(page, 'Your prescriptions');
    const signedIn = Date.now();
    await check(tab, 'prescriptions', true);
    // On a phone the pages are behind one Menu button, and the header stays short.
    const header = await page.locator('header').boundingBox();
    if (width <= 400) {
      expect(header!.height).toBeLessThan(150);
      const menu = page.getByRole('button', { name: /^Menu/ });
      expect(await menu.getAttribute('aria-expanded')).toBe('false');
      expect(await page.getByRole('link', { name: 'Appointments' }).count()).toBe(0);
      await menu.click();
      await page.getByRole('link', { name: 'Appointments' }).waitFor();
      await check(tab, 'menu', true);
      await page.keyboard.press('Escape');
      expect(await menu.getAttribute('aria-expanded')).toBe('false');
      expect(await focusedText(page)).toMatch(/^Menu/);
    } else {
      expect(await page.getByRole('button', { name: /^Menu/ }).count()).toBe(0);
    }
    // The service desk's pages tell a patient they are for staff, in words meant for them.
    await goInApp(page, '/service-desk');
    await arrived(page, 'This page is for service desk staff');
    await check(tab, 'patient-at-desk');
    for (const [path, heading, name] of [
      ['/', 'Your health', 'home'],
      ['/appointments', 'Your appointments', 'appointments'],
      [`/appointments/${seed.toMove.id}/cancel`, 'Cancel your appointment', 'cancel'],
      ['/results', 'Your test results', 'results'],
      ['/contact-preferences', 'Contact details and preferences', 'contact-preferences'],
      ['/no-such-page', 'Page not found', 'not-found'],
      ['/accessibility', 'Accessibility statement', 'accessibility'],
    ] as const) {
      await goInApp(page, path);
      await arrived(page, heading);
      await check(tab, name, name !== 'not-found' && name !== 'accessibility');
    }

    await page.goto(`/results/${seed.releasedReport}`);
    await arrived(page, 'Test result Full blood count', { title: 'Full blood count', focus: false });
    await check(tab, 'result', true);

    await page.goto('/contact-preferences');
    await arrived(page, 'Contact details and preferences', { focus: false });
    await page.getByLabel('UK mobile phone number').fill('0770090');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.title()).toBe('Error: Contact details and preferences – Pathways');
    await check(tab, 'contact-preferences-error');
    await page.getByLabel('UK mobile phone number').fill(seed.patient.mobile);
    await page.getByRole('checkbox', { name: 'Text messages' }).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Your contact details and preferences have been saved.').waitFor();
    await check(tab, 'contact-preferences-saved');

    await page.goto(`/appointments/${seed.toMove.id}/reschedule`);
    await arrived(page, 'Change your appointment', { focus: false });
    await check(tab, 'reschedule', true);
    // An outpatient follow-up: the clinic's free Saturday slot is not offered.
    const times = await page.locator('.nhsuk-radios__label').allInnerTexts();
    expect(times.length).toBeGreaterThan(0);
    expect(times.filter((time) => /^(Saturday|Sunday)/.test(time))).toEqual([]);
    await page.getByRole('radio').first().check();
    await page.getByRole('button', { name: 'Change appointment' }).click();
    await arrived(page, 'Your appointments');
    expect(await page.locator('.nhsuk-notification-banner').innerText()).toContain(
      'Your appointment has been moved to',
    );
    await check(tab, 'appointments-changed');

    // The journey's request is open: no second one is offered for that item, but it is shown.
    await page.goto('/prescriptions');
    await arrived(page, 'Your prescriptions', { focus: false });
    const first = page.locator('section', { hasText: seed.medicines[0]! });
    expect(await first.innerText()).toContain('Waiting for your GP practice');
    expect(await first.getByRole('link', { name: /Request a repeat/ }).count()).toBe(0);
    const medicine = seed.medicines[WIDTHS.indexOf(width) + 1]!;
    await page.getByRole('link', { name: `Request a repeat of ${medicine}` }).click();
    await arrived(page, 'Request a repeat prescription');
    await check(tab, 'repeat', true);
    await requestRepeatWithStepUp(t, tab, seed.patient, signedIn + (STEP_UP_S + 1) * 1000, true);
    await check(tab, 'repeat-sent');
  }, 400_000);

  it('shows which issue of a repeat-dispensing prescription is out, and lets the patient nominate a pharmacy', async () => {
    const tab = await open(1024, '/prescriptions');
    const { page } = tab;
    await signInWithSms(t, tab, seed.patient);
    await arrived(page, 'Your prescriptions');
    const erd = page.locator('li.nhsuk-card', { hasText: seed.erdMedicine });
    const erdText = await erd.innerText();
    expect(erdText).toMatch(/Issue 1 of 6, available from \d{1,2} \w+ \d{4}/);
    expect(erdText).toContain('56 tablets');
    expect(await erd.locator('.nhsuk-tag').innerText()).toBe('Waiting for a pharmacy to collect it');
    // The pharmacy issues each one: nothing to request.
    expect(await erd.getByRole('link', { name: /Request a repeat/ }).count()).toBe(0);

    await page.getByRole('link', { name: 'Choose or change your nominated pharmacy' }).click();
    await arrived(page, 'Your nominated pharmacy');
    expect(await page.locator('main').innerText()).toContain('You have not nominated a pharmacy.');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => focusedText(page)).toContain('There is a problem');
    await page.getByLabel('Pharmacy name or postcode').fill(seed.nominable.district);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('heading', { name: '1 pharmacy found' }).waitFor();
    await check(tab, 'nominated-pharmacy', true);
    await page.getByRole('button', { name: `Choose this pharmacy for ${seed.nominable.name}` }).click();
    await page.getByText(`Your nominated pharmacy is now ${seed.nominable.name}.`).waitFor();
    expect(await focusedText(page)).toContain('is now');
    await check(tab, 'nominated-pharmacy-chosen', true);
    const patientToken = await t.bearer({ roles: ['patient'], fhirUser: `Patient/${seed.patient.id}` });
    const stored = await api(
      t,
      patientToken,
      'GET',
      `/fhir/R4/Patient/${seed.patient.id}/$nominated-pharmacy`,
    );
    expect(stored.parameter[0].resource.name).toBe(seed.nominable.name);
  }, 300_000);

  it.each(
    WIDTHS,
  )('lets the service desk unlock an account and resolve the worklist at %i px', async (width) => {
    const tab = await open(width, '/sign-in');
    const { page } = tab;
    await signInWithTotp(tab, desk.username, desk.password, desk.totpSecret);
    await arrived(page, 'Service desk');
    await check(tab, 'desk', true);

    const openMenu = async () => {
      if (width <= 400) await page.getByRole('button', { name: /^Menu/ }).click();
    };
    await openMenu();
    await page.getByRole('link', { name: 'Account look-up' }).click();
    await arrived(page, 'Look up an account');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => focusedText(page)).toContain('Enter an email address or username');
    await check(tab, 'desk-accounts-error');
    // By NHS number, as a caller reads it out: the account, with who they should be.
    await page.getByRole('radio', { name: 'NHS number' }).check();
    const spaced = desk.lockedNhsNumber.replace(/^(\d{3})(\d{3})(\d{4})$/, '$1 $2 $3');
    await page.getByRole('textbox', { name: 'NHS number', exact: true }).fill(spaced);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('heading', { name: '1 account found' }).waitFor();
    const found = await page.locator('li.nhsuk-card').innerText();
    for (const words of [desk.locked, desk.lockedName, desk.lockedBirthDate, spaced, 'Patient']) {
      expect(found).toContain(words);
    }
    expect(found).not.toContain('Patient/');
    await page.getByRole('radio', { name: 'Email address or username' }).check();
    await page.getByRole('textbox', { name: 'Email address or username', exact: true }).fill(desk.locked);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('heading', { name: '1 account found' }).waitFor();
    const unlock = page.getByRole('button', { name: `Unlock ${desk.locked}` });
    if (width > 400) {
      await check(tab, 'desk-accounts', true);
      await unlock.click();
      await page.getByText(`The account ${desk.locked} is unlocked.`).waitFor();
      expect(await focusedText(page)).toContain('is unlocked');
    } else {
      expect(await unlock.count(), 'unlocked at the first width').toBe(0);
      await check(tab, 'desk-accounts', true);
    }

    await openMenu();
    await page.getByRole('link', { name: 'Notification worklist' }).click();
    await arrived(page, 'Notifications that did not reach patients');
    await check(tab, 'desk-worklist', true);
    const item = page.locator('li.nhsuk-card').first();
    const heading = await item.locator('h2').innerText();
    await item.getByRole('button', { name: /^Mark as resolved/ }).click();
    await expect.poll(() => focusedText(page)).toContain('Enter what you did to reach the patient');
    await check(tab, 'desk-worklist-error');
    await item
      .getByLabel('What did you do to reach the patient?')
      .fill('Phoned the patient and read the result.');
    await item.getByRole('button', { name: /^Mark as resolved/ }).click();
    await page.getByText(new RegExp(`^Resolved: ${heading}`)).waitFor();
    await check(tab, 'desk-worklist-resolved');
  }, 300_000);
});
