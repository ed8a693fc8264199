import { expect, it } from 'vitest';
import { loadConfig } from '../platform/config/config.js';
import { demoBanner } from './banner.js';
import type { DemoUser } from './users.js';

const users: DemoUser[] = [
  {
    username: 'demo-prescriber',
    role: 'prescriber',
    password: 'pw',
    totpSecret: 'SECRETPRESCRIBER',
    currentCode: '1',
  },
  {
    username: 'demo-patient',
    role: 'patient',
    password: 'pw',
    totpSecret: 'SECRETPATIENT',
    currentCode: '2',
  },
];

it('points every link and command at the port and data folder the service runs with', () => {
  const banner = demoBanner(
    loadConfig({ PORT: '4123', DATA_DIR: '/srv/pathways', METRICS_PORT: '9999' }),
    'http://127.0.0.1:4123',
    users,
  );
  // Metrics have a listener of their own, off the public port.
  expect(banner).toContain('metrics          http://127.0.0.1:9999/metrics');
  const urls = banner.replace(/.*\/metrics\n/, '').match(/https?:\/\/[^\s,)]+/g) ?? [];
  expect(urls.length).toBeGreaterThan(3);
  for (const url of urls) expect(url).toMatch(/^http:\/\/(localhost|127\.0\.0\.1):4123(\/|$)/);
  expect(banner).toContain(
    'npx tsx examples/send-prescription.ts --base http://localhost:4123 --data-dir /srv/pathways --totp-secret SECRETPRESCRIBER',
  );
});

it('links only to pages a browser can open: the portal and metadata, not token-protected reads', () => {
  const banner = demoBanner(loadConfig({}), 'http://127.0.0.1:3000', users);
  expect(banner).toContain('http://localhost:3000/ ');
  expect(banner).toContain('http://localhost:3000/fhir/R4/metadata');
  expect(banner).not.toMatch(/\/fhir\/R4\/(Patient|Organization)/);
  expect(banner).not.toContain('/oauth2/authorize');
  expect(banner).toContain('Patient/demo-patient-1  Alex Hughes, NHS 9449306060, born 1968-04-17');
  expect(banner).toContain('--base http://localhost:3000 --totp-secret SECRETPRESCRIBER');
});
