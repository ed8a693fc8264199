import fastifyHelmet from '@fastify/helmet';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import {
  computeSecurityHeaders,
  registerSecurityHeaders,
  SECURITY_HEADER_OPTIONS,
  securityHeaderOptions,
} from './security-headers.js';

describe('security headers', () => {
  it('are exactly what @fastify/helmet sends with the same options, computed once', async () => {
    const reference = Fastify();
    // Same options object; the two packages ship separate (CJS and ESM) copies of the option types.
    await reference.register(fastifyHelmet, SECURITY_HEADER_OPTIONS as never);
    reference.get('/', async () => ({ ok: true }));
    const ours = Fastify();
    registerSecurityHeaders(ours);
    ours.get('/', async () => ({ ok: true }));
    const [expected, actual] = await Promise.all([reference.inject('/'), ours.inject('/')]);
    const pick = (headers: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(headers).filter(
          ([name]) => !['date', 'content-length', 'content-type', 'connection'].includes(name),
        ),
      );
    expect(pick(actual.headers)).toEqual(pick(expected.headers));
    expect(actual.headers['x-powered-by']).toBeUndefined();
  });

  it('include the Content-Security-Policy, HSTS and nosniff', () => {
    const { set } = computeSecurityHeaders(SECURITY_HEADER_OPTIONS);
    expect(set['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(set['content-security-policy']).toContain("script-src 'self'");
    expect(set['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(set['x-content-type-options']).toBe('nosniff');
  });

  it('leave out upgrade-insecure-requests for a service published over plain http', () => {
    const http = computeSecurityHeaders(securityHeaderOptions('http://192.168.1.20:3000')).set[
      'content-security-policy'
    ];
    const https = computeSecurityHeaders(securityHeaderOptions('https://pathways.example.nhs.uk')).set[
      'content-security-policy'
    ];
    expect(http).not.toContain('upgrade-insecure-requests');
    expect(http).toContain("frame-ancestors 'none'");
    expect(https).toContain('upgrade-insecure-requests');
  });
});
