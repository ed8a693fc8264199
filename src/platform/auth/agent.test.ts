import { describe, expect, it } from 'vitest';
import { agentFromPrincipal } from './agent.js';
import type { Principal } from './principal.js';

const base: Principal = { subject: 'acc-1', issuer: 'http://localhost:3000', roles: [], scopes: [], amr: [] };

describe('agentFromPrincipal', () => {
  it('uses the FHIR identity, roles, organisation and address', () => {
    const user = { ...base, roles: ['prescriber'], fhirUser: 'Practitioner/p1', org: 'A12345' } as Principal;
    expect(agentFromPrincipal(user, '127.0.0.1')).toEqual({
      reference: 'Practitioner/p1',
      roles: ['prescriber'],
      org: 'A12345',
      ip: '127.0.0.1',
    });
  });

  it('labels system clients and accounts without a FHIR identity, never with personal data', () => {
    expect(agentFromPrincipal({ ...base, subject: 'c1', clientId: 'c1' })).toEqual({ display: 'client:c1' });
    expect(agentFromPrincipal(base)).toEqual({ display: 'account:acc-1' });
    const email = agentFromPrincipal({ ...base, issuer: 'https://idp.example', subject: 'jo@example.org' });
    expect(email.display).toMatch(/^subject:[0-9a-f]{32}$/);
    expect(agentFromPrincipal(undefined, '::1')).toEqual({ display: 'unauthenticated', ip: '::1' });
  });
});
