import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { NHS_NUMBER_SYSTEM } from '../../nhs/index.js';
import { createLogger, requestChildLogger } from './logger.js';

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
          identifier: [{ system: NHS_NUMBER_SYSTEM, value: '9449306060' }],
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

describe('per-request child loggers', () => {
  const withoutTime = (line: string) => line.replace(/"time":"[^"]*",/, '');

  it('write exactly what pino child() writes, and still redact what they log', () => {
    const { lines, log } = capture();
    const logged = { patient: { name: [{ family: 'Hughes' }] }, outcome: 'kept' };
    log.child({ reqId: 'req-1' }).info(logged, 'event');
    requestChildLogger(log, { reqId: 'req-1' }).info(logged, 'event');
    expect(lines).toHaveLength(2);
    expect(withoutTime(lines[1]!)).toBe(withoutTime(lines[0]!));
    expect(lines[1]).toContain('"reqId":"req-1"');
    expect(lines[1]).not.toContain('Hughes');
  });

  it('leave bindings that might need redaction to child(), and keep their own level', () => {
    const { lines, log } = capture();
    requestChildLogger(log, { email: 'alex@example.org' }).info('event');
    requestChildLogger(log, { reqId: { nested: true } }).info('event');
    expect(lines[0]).not.toContain('alex@example.org');
    expect(lines[1]).toContain('"reqId":{"nested":true}');
    const quiet = requestChildLogger(log, { reqId: 'req-2' });
    quiet.level = 'error';
    quiet.info('hidden');
    log.info('shown');
    expect(lines.slice(2).map((line) => JSON.parse(line).msg)).toEqual(['shown']);
  });
});
