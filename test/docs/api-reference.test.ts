/**
 * docs/api.md is the API reference the code cites: its route tables and its error-code table are
 * checked against what the service really serves and the codes it really uses, so the page cannot
 * drift from the product unnoticed.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_STATUS } from '../../src/platform/errors/codes.js';
import { startTestApp, type TestApp } from '../app.js';

const DOC = readFileSync(path.resolve(import.meta.dirname, '../../docs/api.md'), 'utf8');
const METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;
/** Served for browsers, not an API: the web portal's pages and assets, the OpenAPI page's assets. */
const NOT_API = (url: string) =>
  url === '/*' || url === '/favicon.svg' || url.startsWith('/docs/') || url === '/docs*';

interface Route {
  method: string;
  url: string;
}

/**
 * The routes of fastify's `printRoutes({ commonPrefix: false })`: a radix tree whose lines are
 * path pieces (a child's piece continues its parent's: `/Practitioner` then `Role`), with the
 * methods of the route ending there in parentheses.
 */
function routesOfTree(tree: string): Route[] {
  const routes: Route[] = [];
  const prefixes: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^((?:[│ ] {3})*)(?:[├└]── )?(.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match || line.trim() === '') continue;
    const depth = line.includes('── ') ? match[1]!.length / 4 + 1 : 0;
    prefixes.length = depth;
    const url = (prefixes.at(-1) ?? '') + match[2]!;
    prefixes.push(url);
    for (const method of (match[3] ?? '').split(', ').filter(Boolean)) routes.push({ method, url });
  }
  return routes;
}

/** `/fhir/R4/Patient/:id/$update-contact` as the page writes it: `/fhir/R4/Patient/{id}/$update-contact`. */
const asDocumented = (url: string) => url.replace(/:([A-Za-z]+)/g, '{$1}');

/** Every `METHOD /path` the page names in backticks (query strings dropped). */
function documentedRoutes(): Route[] {
  const found: Route[] = [];
  for (const match of DOC.matchAll(/`(GET|POST|PUT|DELETE) (\/[^\s`?]*)/g)) {
    found.push({ method: match[1]!, url: match[2]! });
  }
  return found;
}

describe('docs/api.md', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('pglite');
  });
  afterAll(() => t.close());

  it('names every route the service serves', () => {
    const served = routesOfTree(t.pathways.app.printRoutes({ commonPrefix: false }))
      .filter((route) => (METHODS as readonly string[]).includes(route.method))
      .filter((route) => !NOT_API(route.url));
    expect(served.length).toBeGreaterThan(40);
    const documented = new Set(documentedRoutes().map((route) => `${route.method} ${route.url}`));
    const undocumented = served
      .map((route) => `${route.method} ${asDocumented(route.url)}`)
      .filter((route) => !documented.has(route));
    expect(undocumented, 'routes the service serves that docs/api.md does not name').toEqual([]);
  });

  it('names only routes the service serves', () => {
    const documented = documentedRoutes();
    expect(documented.length).toBeGreaterThan(40);
    const missing = documented.filter((route) => {
      const url = route.url.replace(/\{([A-Za-z]+)\}/g, ':$1');
      return !t.pathways.app.hasRoute({ method: route.method as 'GET', url });
    });
    expect(missing.map((route) => `${route.method} ${route.url}`)).toEqual([]);
  });

  it('lists every business error code with its HTTP status, and no other', () => {
    const table = new Map(
      [...DOC.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((match) => [match[1]!, Number(match[2])]),
    );
    expect(Object.fromEntries(table)).toEqual({ ...ERROR_STATUS });
  });

  it('is what the repository cites, not the shared contract it grew from', () => {
    const contract = ['CONTRACT', 'md'].join('.');
    const root = path.resolve(import.meta.dirname, '../..');
    const files = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter((file) => /\.(ts|tsx|js|mjs|md|yaml|yml|sh)$/.test(file) && file !== 'bin/cite-api.js');
    const citing = files.filter((file) => readFileSync(path.join(root, file), 'utf8').includes(contract));
    expect(citing, 'run `node bin/cite-api.js` to cite docs/api.md instead').toEqual([]);
  });
});
