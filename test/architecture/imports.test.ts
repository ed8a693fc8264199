/**
 * The import graph of src/ (product code; tests may reach into what they test):
 * - the platform kernel (src/platform) imports nothing outside itself;
 * - a part (a folder under src/: a capability, identity, or a shared module such as src/nhs)
 *   imports another part only through that part's public module, its index.ts;
 * - only the composition root (the files directly in src/) imports anything anywhere.
 * Every exception is listed below with its reason; one that is no longer needed fails too, so
 * the list only shrinks.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

const EXCEPTIONS: { from: string; to: string; reason: string }[] = [
  {
    from: 'src/hl7/cli.ts',
    to: 'src/app.ts',
    reason: '`pathways hl7 replay` runs against the built service: a type-only import of Pathways',
  },
];

/** Matches static imports and re-exports (`from '…'`), side-effect imports and dynamic import(). */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.\.?\/[^'"]+)['"]/gm;

function productFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return productFiles(relative);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.test.ts') ? [relative] : [];
  });
}

/** The .ts file a specifier names (`./x.js` → `x.ts`), relative to the repository. */
function target(from: string, specifier: string): string {
  return path.posix.join(path.posix.dirname(from), specifier).replace(/\.js$/, '.ts');
}

/** `src/<part>` of a file, or undefined for the composition root's own files. */
function partOf(file: string): string | undefined {
  const segments = file.split('/');
  return segments.length > 2 ? segments[1] : undefined;
}

interface Edge {
  from: string;
  to: string;
}

function edges(): Edge[] {
  return productFiles('src').flatMap((from) =>
    [...readFileSync(path.join(ROOT, from), 'utf8').matchAll(SPECIFIER)].map((match) => ({
      from,
      to: target(from, match[1]!),
    })),
  );
}

/** Why an edge breaks the rules, or undefined when it keeps them. */
function violation({ from, to }: Edge): string | undefined {
  const source = partOf(from);
  if (source === undefined || !to.startsWith('src/')) return undefined;
  const destination = partOf(to);
  if (source === 'platform')
    return destination === 'platform'
      ? undefined
      : 'the platform kernel imports a part or the composition root';
  if (destination === source || destination === 'platform') return undefined;
  if (destination === undefined) return 'a part imports the composition root';
  return to === `src/${destination}/index.ts` ? undefined : `not through src/${destination}/index.ts`;
}

describe('the import graph of src/', () => {
  const all = edges();
  const isException = (edge: Edge) => EXCEPTIONS.some((e) => e.from === edge.from && e.to === edge.to);

  it('reads the imports it judges (a sanity check of the parser)', () => {
    expect(all.length).toBeGreaterThan(1000);
    expect(all).toContainEqual({ from: 'src/dispensing/claim/claim.ts', to: 'src/prescribing/index.ts' });
    expect(violation({ from: 'src/platform/x.ts', to: 'src/portal/index.ts' })).toBeDefined();
    expect(
      violation({ from: 'src/dispensing/x.ts', to: 'src/prescribing/store/prescriptions.ts' }),
    ).toBeDefined();
    expect(violation({ from: 'src/dispensing/x.ts', to: 'src/platform/fhir/store.ts' })).toBeUndefined();
    expect(violation({ from: 'src/app.ts', to: 'src/prescribing/store/prescriptions.ts' })).toBeUndefined();
  });

  it('has the kernel import no part and each part import another only through its index.ts', () => {
    const broken = all
      .filter((edge) => !isException(edge))
      .map((edge) => ({ ...edge, why: violation(edge) }))
      .filter((edge) => edge.why !== undefined);
    expect(broken).toEqual([]);
  });

  it('lists only exceptions that are still taken', () => {
    const stale = EXCEPTIONS.filter(
      (exception) => !all.some((edge) => edge.from === exception.from && edge.to === exception.to),
    );
    expect(stale).toEqual([]);
    for (const exception of EXCEPTIONS) expect(violation(exception)).toBeDefined();
  });
});
