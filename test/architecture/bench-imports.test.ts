/**
 * The bench suites that can measure another checkout (`ROOT=…`) import its modules by a computed
 * path, which the compiler cannot follow. Each such import is typed as this checkout's module
 * (`as typeof import(…)`), so `npm run typecheck` fails when a helper moves; this holds the two
 * paths of each import to the same file, and that file to existing here.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SUITES = path.join(ROOT, 'bench', 'suites');

const ROOTED_IMPORT = /import\(\s*`\$\{root\}\/([^`]+)`\s*\)/g;
const TYPED_IMPORT = /import\(\s*`\$\{root\}\/([^`]+)`\s*\)\s*\)\s*as typeof import\('([^']+)'\)/g;

describe('bench suites that import another checkout', () => {
  const files = readdirSync(SUITES).filter((name) => name.endsWith('.ts'));

  it('type every computed import as the module it names, and that module exists', () => {
    const problems: string[] = [];
    let seen = 0;
    for (const name of files) {
      const text = readFileSync(path.join(SUITES, name), 'utf8');
      const rooted = [...text.matchAll(ROOTED_IMPORT)].map((match) => match[1]!);
      const typed = [...text.matchAll(TYPED_IMPORT)];
      seen += rooted.length;
      if (typed.length !== rooted.length) problems.push(`${name}: an import of \${root}/… is not typed`);
      for (const target of rooted) {
        if (!existsSync(path.join(ROOT, target))) problems.push(`${name}: ${target} does not exist`);
      }
      for (const [, target, typedAs] of typed) {
        const typedFile = path
          .relative(ROOT, path.resolve(SUITES, typedAs!))
          .replace(/\.js$/, '.ts')
          .split(path.sep)
          .join('/');
        if (typedFile !== target) problems.push(`${name}: ${target} is typed as ${typedFile}`);
      }
    }
    expect(seen).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});
