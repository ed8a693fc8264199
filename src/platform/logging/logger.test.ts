import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  return { lines, log: createLogger({ level: 'info', destination }) };
}

describe('logger redaction', () => {
  it('never writes names, NHS numbers, contact details or tokens', () => {
    const { lines, log } = capture();
    log.info(
      {
        patient: {
          name: [{ family: 'Hughes', given: ['Alex'] }],
          identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9449306060' }],
          address: [{ line: ['1 High Street'], postalCode: 'LS1 4AP' }],
          telecom: [{ system: 'phone', value: '07700900123' }],
        },
        email: 'alex@example.org',
        req: { headers: { authorization: 'Bearer eyJsecret' } },
        token: 'eyJ.abc.def',
        password: 'hunter2',
        outcome: 'kept',
      },
      'event',
    );
    const text = lines.join('');
    for (const secret of [
      'Hughes',
      'Alex',
      '9449306060',
      'High Street',
      'LS1 4AP',
      '07700900123',
      'alex@example.org',
      'eyJ',
      'hunter2',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('[REDACTED]');
    expect(text).toContain('kept');
  });

  it('logs the request path without its query string', () => {
    const { lines, log } = capture();
    log.info({ req: { method: 'GET', url: '/fhir/R4/Patient?identifier=9449306060', id: 'r1' } }, 'request');
    expect(lines.join('')).toContain('/fhir/R4/Patient');
    expect(lines.join('')).not.toContain('9449306060');
  });
});
