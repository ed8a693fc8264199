import { describe, expect, it } from 'vitest';
import { classifyNotifyError, statusFromNotify } from './notify-errors.js';
import { ProviderError } from './provider.js';

const answered = (status: number, errors: { error: string; message: string }[]) => ({
  isAxiosError: true,
  message: `Request failed with status code ${status}`,
  response: { status, data: { status_code: status, errors } },
});

describe('Notify errors', () => {
  it('treats 5xx and 429 as temporary', () => {
    const server = classifyNotifyError(
      answered(500, [{ error: 'Exception', message: 'Internal server error' }]),
    );
    expect(server).toMatchObject({ kind: 'temporary', httpStatus: 500 });
    expect(server.message).toBe('Notify answered 500: Exception: Internal server error');
    const limited = classifyNotifyError(
      answered(429, [
        {
          error: 'RateLimitError',
          message: 'Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds',
        },
      ]),
    );
    expect(limited.kind).toBe('temporary');
    expect(
      classifyNotifyError({ isAxiosError: true, response: { status: 503, data: '<html>' } }).message,
    ).toBe('Notify answered 503: HTTP 503');
  });

  it('treats 400 validation and 403 auth errors as permanent', () => {
    const invalid = classifyNotifyError(
      answered(400, [{ error: 'ValidationError', message: 'phone_number Not a UK mobile number' }]),
    );
    expect(invalid).toMatchObject({ kind: 'permanent', httpStatus: 400 });
    expect(invalid.message).toBe('Notify answered 400: ValidationError: phone_number Not a UK mobile number');
    const auth = classifyNotifyError(
      answered(403, [{ error: 'AuthError', message: 'Invalid token: API key not found' }]),
    );
    expect(auth.kind).toBe('permanent');
  });

  it('treats no answer at all (refused, reset, timeout) as temporary', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'ENOTFOUND']) {
      expect(classifyNotifyError({ isAxiosError: true, code, message: 'x' })).toMatchObject({
        kind: 'temporary',
      });
    }
  });

  it('treats a fault in calling the client as permanent, and keeps a ProviderError as it is', () => {
    expect(
      classifyNotifyError(new Error('NotifyClient now uses an options configuration object')),
    ).toMatchObject({
      kind: 'permanent',
    });
    const own = new ProviderError('temporary', 'x');
    expect(classifyNotifyError(own)).toBe(own);
  });
});

describe('Notify statuses', () => {
  it('maps final and in-flight statuses', () => {
    expect(statusFromNotify('delivered')).toBe('delivered');
    expect(statusFromNotify('sent')).toBe('delivered');
    expect(statusFromNotify('permanent-failure')).toBe('permanent-failure');
    expect(statusFromNotify('temporary-failure')).toBe('temporary-failure');
    expect(statusFromNotify('technical-failure')).toBe('technical-failure');
    for (const pending of ['created', 'sending', 'pending', 'something-new', undefined]) {
      expect(statusFromNotify(pending)).toBe('sending');
    }
  });
});
