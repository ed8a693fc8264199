import { describe, expect, it } from 'vitest';
import { acceptsHtml, isClientRoute } from './client-route.js';

describe("the web app's routes", () => {
  it("answers the app's pages, however deep", () => {
    expect(isClientRoute('/')).toBe(true);
    expect(isClientRoute('/prescriptions')).toBe(true);
    expect(isClientRoute('/appointments/abc-123/cancel')).toBe(true);
    expect(isClientRoute('/service-desk/accounts/')).toBe(true);
  });

  it('leaves API prefixes to the service, whatever their case', () => {
    for (const path of [
      '/fhir/R4/Nope',
      '/admin/x',
      '/auth/x',
      '/oauth2/x',
      '/pki/x',
      '/.well-known/x',
      '/healthz',
      '/readyz',
      '/metrics',
      '/FHIR/R4',
    ]) {
      expect(isClientRoute(path), path).toBe(false);
    }
    expect(isClientRoute('/assets/index-abc.js')).toBe(false);
  });

  it('leaves files and encoded paths alone', () => {
    expect(isClientRoute('/favicon.ico')).toBe(false);
    expect(isClientRoute('/robots.txt')).toBe(false);
    expect(isClientRoute('/a/..%2f..%2fetc')).toBe(false);
    expect(isClientRoute('/a/b.c/d')).toBe(false);
    expect(isClientRoute(`/${'a'.repeat(2048)}`)).toBe(false);
    expect(isClientRoute('relative')).toBe(false);
  });

  it('serves HTML to browsers and to clients that say nothing, not to JSON-only clients', () => {
    expect(acceptsHtml('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8')).toBe(true);
    expect(acceptsHtml(undefined)).toBe(true);
    expect(acceptsHtml('')).toBe(true);
    expect(acceptsHtml('*/*')).toBe(true);
    expect(acceptsHtml('application/fhir+json')).toBe(false);
    expect(acceptsHtml('application/json, text/plain')).toBe(false);
    expect(acceptsHtml('text/htmlx')).toBe(false);
  });
});
