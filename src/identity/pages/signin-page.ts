/**
 * The sign-in page: a username-and-password step, then a security-code step that stays hidden until
 * the password is accepted. For an account that uses text messages the code step asks for a texted
 * code (sent as the step opens) and offers to send a new one. When the account is locked the
 * password step offers an unlock step: a code sent to the holder's confirmed mobile or email
 * (POST /auth/unlock, /auth/unlock/confirm). All steps are in the HTML so the script only switches
 * between them; the request's parameters ride in data- attributes because
 * the CSP allows no inline script.
 * The forms say method="post" although the script handles every submit: should the script not
 * have loaded, a browser's default GET would put the password into the URL, and so into logs.
 */
import type { AuthorizeRequest } from './authorize-request.js';
import { escapeHtml, type LayoutAssets, renderLayout, SERVICE_NAME } from './layout.js';

export const SIGNIN_TITLE = `Sign in – ${SERVICE_NAME} – NHS`;

export function renderSigninPage(request: AuthorizeRequest, assets: LayoutAssets, selfUrl: string): string {
  const data = [
    `data-redirect-uri="${escapeHtml(request.redirectUri)}"`,
    `data-code-challenge="${escapeHtml(request.codeChallenge)}"`,
    request.state === undefined ? '' : `data-state="${escapeHtml(request.state)}"`,
    request.scope === undefined ? '' : `data-scope="${escapeHtml(request.scope)}"`,
  ]
    .filter(Boolean)
    .join(' ');

  const body = `<div class="nhsuk-error-summary" id="error-summary" tabindex="-1" hidden>
<div role="alert">
<h2 class="nhsuk-error-summary__heading">There is a problem</h2>
<div class="nhsuk-error-summary__body">
<ul class="nhsuk-list nhsuk-error-summary__list" id="error-list"></ul>
</div>
</div>
</div>
<div id="signin" ${data}>
<div id="password-step">
<h1 class="nhsuk-heading-l" tabindex="-1">Sign in to ${SERVICE_NAME}</h1>
<div id="signin-status" role="status"></div>
<noscript><p class="nhsuk-body">You need to turn on JavaScript in your browser to sign in.</p></noscript>
<form id="password-form" method="post" novalidate>
<div class="nhsuk-form-group">
<label class="nhsuk-label" for="username">Username</label>
<input class="nhsuk-input nhsuk-u-width-two-thirds" id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false">
</div>
<div class="nhsuk-form-group">
<label class="nhsuk-label" for="password">Password</label>
<input class="nhsuk-input nhsuk-u-width-two-thirds" id="password" name="password" type="password" autocomplete="current-password">
</div>
<button class="nhsuk-button" type="submit">Continue</button>
</form>
<div id="unlock-offer" hidden>
<p class="nhsuk-body">If you registered with your email address or mobile phone, we can send you a code to unlock your account now.</p>
<button class="nhsuk-button nhsuk-button--secondary" type="button" id="unlock-start">Unlock my account</button>
</div>
</div>
<div id="unlock-step" hidden>
<h1 class="nhsuk-heading-l" tabindex="-1">Unlock your account</h1>
<p class="nhsuk-body">We will send a 6-digit code to the mobile phone or email address you confirmed when you registered. Staff accounts are unlocked by your service desk.</p>
<div id="unlock-status" role="status"></div>
<button class="nhsuk-button nhsuk-button--secondary" type="button" id="unlock-send">Send me an unlock code</button>
<form id="unlock-form" method="post" novalidate hidden>
<div class="nhsuk-form-group">
<label class="nhsuk-label" for="unlock-code">Unlock code</label>
<div class="nhsuk-hint" id="unlock-code-hint">The code lasts 10 minutes.</div>
<input class="nhsuk-input nhsuk-input--width-10 nhsuk-input--code" id="unlock-code" name="unlock-code" type="text" inputmode="numeric" autocomplete="one-time-code" spellcheck="false" aria-describedby="unlock-code-hint">
</div>
<button class="nhsuk-button" type="submit">Unlock account</button>
</form>
<p class="nhsuk-body"><a href="${escapeHtml(selfUrl)}">Back to sign in</a></p>
</div>
<div id="code-step" hidden>
<h1 class="nhsuk-heading-l" tabindex="-1">Enter your security code</h1>
<form id="code-form" method="post" novalidate>
<div class="nhsuk-form-group">
<label class="nhsuk-label" for="otp">Security code</label>
<div class="nhsuk-hint" id="otp-hint">Open the authenticator app on your phone and enter the 6-digit code it shows for ${SERVICE_NAME}.</div>
<input class="nhsuk-input nhsuk-input--width-10 nhsuk-input--code" id="otp" name="otp" type="text" inputmode="numeric" autocomplete="one-time-code" spellcheck="false" aria-describedby="otp-hint">
</div>
<button class="nhsuk-button" type="submit">Sign in</button>
</form>
<div id="sms-controls" hidden>
<p class="nhsuk-body" id="sms-status" role="status"></p>
<button class="nhsuk-button nhsuk-button--secondary" type="button" id="sms-resend">Send a new code</button>
</div>
<p class="nhsuk-body"><a href="${escapeHtml(selfUrl)}">Start again with your username and password</a></p>
</div>
</div>`;
  return renderLayout({ title: SIGNIN_TITLE, assets, body });
}
