/**
 * Routes declare who may call them in `config: { access }` (route-access.test.ts), so a route that
 * only declares a policy needs no access control in its dependencies. A product file whose
 * dependencies name one (`access: AccessControl`) must use it: enforce a policy in its handler,
 * bind what it returns to the patient, check the organisation or protect a scope. A dependency
 * nobody calls hides which routes really do their own checks. The files listed below hold the
 * access control for others, with the reason.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

const HOLDERS: Record<string, string> = {
  'src/identity/identity.ts': 'identity builds the access control and hands it to the service',
  'src/platform/capability.ts': "the platform context every capability's routes are built from",
  'src/portal/deps.ts': "what the portal's parts are built from; its routes bind to the patient",
};

/** A dependency or option named `access` of type AccessControl. */
const DECLARES = /\baccess\??:\s*AccessControl\b/;
/** A call of the access control's own methods, or `protect(scope, …access…)`. */
const USES =
  /\.(?:enforce|bindToPatient|bindBundleToPatient|assertPatientBound|assertOrganisation|patientCompartment|authenticate)\(|\bprotect\([^)]*\baccess\b/;

function productFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return productFiles(relative);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.test.ts') ? [relative] : [];
  });
}

describe('dependencies on the access control', () => {
  const declaring = productFiles('src').filter(
    (file) =>
      !file.startsWith('src/platform/auth/') && DECLARES.test(readFileSync(path.join(ROOT, file), 'utf8')),
  );

  it('finds the files it judges (a sanity check of the pattern)', () => {
    expect(declaring).toContain('src/platform/fhir/routes/deps.ts');
    expect(declaring).toContain('src/dispensing/routes/release-route.ts');
    expect(USES.test('protect(scope, deps.access, { requireDeclaredPolicy: true })')).toBe(true);
    expect(USES.test('fhir.post(path, { config: { access: POLICY } }, handler)')).toBe(false);
  });

  it('are taken only by files that use the access control', () => {
    const unused = declaring.filter(
      (file) => HOLDERS[file] === undefined && !USES.test(readFileSync(path.join(ROOT, file), 'utf8')),
    );
    expect(unused).toEqual([]);
  });

  it('lists only holders that still hold it', () => {
    expect(Object.keys(HOLDERS).filter((file) => !declaring.includes(file))).toEqual([]);
  });
});
