/**
 * Sign-in page behaviour (served as-is to the browser, not compiled): posts the password step to
 * /auth/login and the security code to /auth/mfa (for a text-message account, first asking
 * /auth/mfa/sms to send the code, and again on "Send a new code"), reports problems with the
 * NHS.UK error-summary pattern (summary focused, linked to inline field errors), and finally sends
 * the browser to the redirect_uri with the code and state. A locked account is offered an unlock
 * step: /auth/unlock sends a code to the holder's confirmed mobile or email, /auth/unlock/confirm
 * with it lifts the lock, and the password step opens again. Focus moves to whatever changed, so
 * screen reader and keyboard users land on the new content rather than on a button that no longer
 * exists.
 */

const SERVICE_PROBLEM = 'Sorry, there is a problem with the service. Try again later';

const root = document.getElementById('signin');
const summary = document.getElementById('error-summary');
const errorList = document.getElementById('error-list');
const passwordStep = document.getElementById('password-step');
const codeStep = document.getElementById('code-step');
const passwordForm = document.getElementById('password-form');
const codeForm = document.getElementById('code-form');
const usernameInput = document.getElementById('username');
const passwordInput = document.getElementById('password');
const otpInput = document.getElementById('otp');
const otpHint = document.getElementById('otp-hint');
const smsControls = document.getElementById('sms-controls');
const smsStatus = document.getElementById('sms-status');
const smsResend = document.getElementById('sms-resend');
const signinStatus = document.getElementById('signin-status');
const unlockOffer = document.getElementById('unlock-offer');
const unlockStart = document.getElementById('unlock-start');
const unlockStep = document.getElementById('unlock-step');
const unlockStatus = document.getElementById('unlock-status');
const unlockSend = document.getElementById('unlock-send');
const unlockForm = document.getElementById('unlock-form');
const unlockCodeInput = document.getElementById('unlock-code');
const firstTitle = document.title;

let stepTitle = document.title;
let login = null;
let busy = false;
let bySms = false;
/** The username that met a lock, for the unlock step. */
let lockedUsername = null;

function setFieldError(input, message) {
  const errorId = `${input.id}-error`;
  document.getElementById(errorId)?.remove();
  const describedBy = (input.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .filter((id) => id && id !== errorId);
  if (message) {
    const error = document.createElement('span');
    error.className = 'nhsuk-error-message';
    error.id = errorId;
    const prefix = document.createElement('span');
    prefix.className = 'nhsuk-u-visually-hidden';
    prefix.textContent = 'Error: ';
    error.append(prefix, message);
    // NHS.UK order inside a form group: label, hint, error message, input.
    input.before(error);
    describedBy.push(errorId);
    input.setAttribute('aria-invalid', 'true');
  } else {
    input.removeAttribute('aria-invalid');
  }
  input.closest('.nhsuk-form-group').classList.toggle('nhsuk-form-group--error', Boolean(message));
  input.classList.toggle('nhsuk-input--error', Boolean(message));
  if (describedBy.length > 0) input.setAttribute('aria-describedby', describedBy.join(' '));
  else input.removeAttribute('aria-describedby');
}

function clearErrors() {
  summary.hidden = true;
  errorList.replaceChildren();
  for (const input of [usernameInput, passwordInput, otpInput, unlockCodeInput]) setFieldError(input, null);
  document.title = stepTitle;
}

/** errors: [{ message, field? }]; a field gets a summary link and an inline message. */
function showErrors(errors) {
  clearErrors();
  for (const { message, field } of errors) {
    const item = document.createElement('li');
    if (field) {
      const link = document.createElement('a');
      link.href = `#${field.id}`;
      link.textContent = message;
      item.append(link);
      setFieldError(field, message);
    } else {
      item.textContent = message;
    }
    errorList.append(item);
  }
  summary.hidden = false;
  document.title = `Error: ${stepTitle}`;
  summary.focus();
}

// A summary link focuses its field (a plain fragment jump would only scroll) and shows its label.
errorList.addEventListener('click', (event) => {
  const link = event.target.closest('a');
  const field = link && document.getElementById(link.hash.slice(1));
  if (!field) return;
  event.preventDefault();
  field.focus({ preventScroll: true });
  (document.querySelector(`label[for="${field.id}"]`) ?? field).scrollIntoView();
});

async function postJson(url, payload) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(payload),
    credentials: 'same-origin',
  });
  let body = null;
  try {
    body = await response.json();
  } catch {
    // Error answers may have no JSON body; the status says enough.
  }
  return { status: response.status, body, retryAfter: response.headers.get('retry-after') };
}

/** The contract's code of an OperationOutcome answer (issue.details.coding[0].code), if any. */
function problemCode(answer) {
  return answer.body?.issue?.[0]?.details?.coding?.[0]?.code;
}

/** Retry-After is delta-seconds or an HTTP date; round up to whole minutes, at least one. */
function minutesFrom(retryAfter) {
  if (!retryAfter) return undefined;
  const seconds = /^\d+$/.test(retryAfter)
    ? Number(retryAfter)
    : (Date.parse(retryAfter) - Date.now()) / 1000;
  if (!Number.isFinite(seconds)) return undefined;
  return Math.max(1, Math.ceil(seconds / 60));
}

const minutesText = (minutes) => `${minutes} minute${minutes === 1 ? '' : 's'}`;

/** Messages for answers that both steps can get: locked, rate limited, anything unexpected. */
function failureMessage(answer) {
  const minutes = minutesFrom(answer.retryAfter);
  if (answer.status === 423)
    return minutes
      ? `Your account is locked. Try again in ${minutesText(minutes)}`
      : 'Your account is locked. Unlock it with a code we send you, or contact your service desk';
  if (answer.status === 429)
    return minutes
      ? `You have tried to sign in too many times. Try again in ${minutesText(minutes)}`
      : 'You have tried to sign in too many times. Wait a few minutes and try again';
  return SERVICE_PROBLEM;
}

/** Text in a status region (read out by screen readers); an empty region takes no space. */
function setStatus(region, message) {
  region.textContent = message;
  region.className = message ? 'nhsuk-body' : '';
}

/** Shows one step (password, code or unlock) with its title, and focuses its heading. */
function showStep(step, title) {
  clearErrors();
  for (const each of [passwordStep, codeStep, unlockStep]) each.hidden = each !== step;
  stepTitle = title;
  document.title = stepTitle;
  step.querySelector('h1').focus();
}

/** Runs one request at a time, so a double Enter can't send two. */
async function exclusive(task) {
  if (busy) return;
  busy = true;
  try {
    await task();
  } catch {
    showErrors([{ message: SERVICE_PROBLEM }]);
  } finally {
    busy = false;
  }
}

/** Asks for a texted code; says so in the status line (read out by screen readers). */
async function sendSmsCode(again) {
  const answer = await postJson('/auth/mfa/sms', { login });
  if (answer.status === 202) {
    smsStatus.textContent = again
      ? 'We have sent a new code. Enter the code from the latest text message.'
      : 'We have sent a code by text message to the mobile phone number on your account.';
    return true;
  }
  if (answer.status === 429)
    showErrors([
      { message: 'You have asked for too many codes. Start again with your username and password' },
    ]);
  else if (answer.status === 503)
    showErrors([{ message: 'Sorry, we could not send the text message. Try again later' }]);
  else showErrors([{ message: failureMessage(answer) }]);
  return false;
}

function showCodeStep() {
  clearErrors();
  if (bySms) {
    otpHint.textContent = 'Enter the 6-digit code we sent to your mobile phone. The code lasts 10 minutes.';
    smsControls.hidden = false;
  }
  showStep(codeStep, firstTitle.replace(/^Sign in/, 'Enter your security code'));
}

function returnToClient(code) {
  const target = new URL(root.dataset.redirectUri);
  target.searchParams.set('code', code);
  if (root.dataset.state !== undefined) target.searchParams.set('state', root.dataset.state);
  window.location.assign(target.href);
}

passwordForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const username = usernameInput.value.trim();
  const password = passwordInput.value;
  const missing = [];
  if (!username) missing.push({ field: usernameInput, message: 'Enter your username' });
  if (!password) missing.push({ field: passwordInput, message: 'Enter your password' });
  if (missing.length > 0) return showErrors(missing);

  return exclusive(async () => {
    const answer = await postJson('/auth/login', {
      username,
      password,
      codeChallenge: root.dataset.codeChallenge,
      codeChallengeMethod: 'S256',
      // A SMART app's requested scope rides with the sign-in to the token endpoint.
      ...(root.dataset.scope !== undefined ? { scope: root.dataset.scope } : {}),
    });
    if (answer.status === 200 && typeof answer.body?.login === 'string') {
      login = answer.body.login;
      bySms = Array.isArray(answer.body.mfaMethods) && answer.body.mfaMethods.includes('sms');
      passwordInput.value = '';
      showCodeStep();
      if (bySms) await sendSmsCode(false);
      return;
    }
    if (answer.status === 401)
      return showErrors([{ field: passwordInput, message: 'The username or password is incorrect' }]);
    if (answer.status === 423) {
      lockedUsername = username;
      unlockOffer.hidden = false;
    }
    return showErrors([{ message: failureMessage(answer) }]);
  });
});

codeForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const otp = otpInput.value.replace(/\s+/g, '');
  if (!otp) return showErrors([{ field: otpInput, message: 'Enter your security code' }]);
  if (!/^\d+$/.test(otp))
    return showErrors([{ field: otpInput, message: 'The security code must only include numbers' }]);

  return exclusive(async () => {
    const answer = await postJson('/auth/mfa', { login, otp });
    if (answer.status === 200 && typeof answer.body?.code === 'string')
      return returnToClient(answer.body.code);
    if (answer.status === 401 && problemCode(answer) === 'CODE_ALREADY_USED')
      return showErrors([
        {
          field: otpInput,
          message: bySms
            ? 'This security code has already been used. Ask for a new code'
            : 'This security code has just been used. Wait for the next code in your app, then enter it',
        },
      ]);
    if (answer.status === 401)
      return showErrors([
        {
          field: otpInput,
          message: bySms
            ? 'The security code is incorrect or has expired. Enter the code from the latest text message'
            : 'The security code is incorrect or has expired. Enter the code your app shows now',
        },
      ]);
    return showErrors([{ message: failureMessage(answer) }]);
  });
});

smsResend.addEventListener('click', () =>
  exclusive(async () => {
    clearErrors();
    if (await sendSmsCode(true)) otpInput.focus();
  }),
);

unlockStart.addEventListener('click', () => {
  setStatus(unlockStatus, '');
  unlockForm.hidden = true;
  unlockSend.textContent = 'Send me an unlock code';
  showStep(unlockStep, firstTitle.replace(/^Sign in/, 'Unlock your account'));
});

unlockSend.addEventListener('click', () =>
  exclusive(async () => {
    clearErrors();
    const answer = await postJson('/auth/unlock', { username: lockedUsername });
    if (answer.status !== 202) return showErrors([{ message: failureMessage(answer) }]);
    // The same answer whether or not a code could be sent: say so honestly.
    setStatus(
      unlockStatus,
      'If your account can be unlocked this way, we have sent a code to the mobile phone or email address you confirmed.',
    );
    unlockSend.textContent = 'Send a new code';
    unlockForm.hidden = false;
    unlockCodeInput.focus();
  }),
);

unlockForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const code = unlockCodeInput.value.replace(/\s+/g, '');
  if (!code) return showErrors([{ field: unlockCodeInput, message: 'Enter your unlock code' }]);
  if (!/^\d{6}$/.test(code))
    return showErrors([{ field: unlockCodeInput, message: 'The unlock code must be 6 numbers' }]);

  return exclusive(async () => {
    const answer = await postJson('/auth/unlock/confirm', { username: lockedUsername, code });
    if (answer.status === 200) {
      unlockCodeInput.value = '';
      unlockOffer.hidden = true;
      usernameInput.value = lockedUsername;
      passwordInput.value = '';
      showStep(passwordStep, firstTitle);
      setStatus(signinStatus, 'Your account is unlocked. Sign in with your username and password.');
      return;
    }
    if (answer.status === 401)
      return showErrors([
        {
          field: unlockCodeInput,
          message: 'The unlock code is incorrect or has expired. Enter the code from the latest message',
        },
      ]);
    return showErrors([{ message: failureMessage(answer) }]);
  });
});
