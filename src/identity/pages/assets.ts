/**
 * The error pages' static files (the sign-in page itself is the web build's signin.html), read once
 * at start-up and served from memory under content-hashed names, so they can be cached for a year
 * and a new release still reaches every browser at once.
 *
 * CSS: nhsuk-frontend's prebuilt stylesheet (no sass needed), adapted to this service's CSP and closed
 * network: its @font-face rules load Frutiger from assets.nhs.uk, which `default-src 'self'` blocks
 * (a console error on every page), so they are dropped and the stack falls back to Arial/sans-serif;
 * its icon URLs point at /assets/images, so they are rewritten to our prefix.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ASSET_PREFIX = '/assets/signin';

export interface Asset {
  body: Buffer;
  contentType: string;
}

export interface SigninAssets {
  /** Hashed file name → content. */
  files: Map<string, Asset>;
  stylesheet: string;
  favicon: string;
}

const require = createRequire(import.meta.url);

function nhsukDist(): string {
  // The package exports `./dist/*`, so its prebuilt CSS resolves without reaching into node_modules by hand.
  return path.dirname(require.resolve('nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.css'));
}

export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('sign-in pages: cannot find the package root');
    dir = parent;
  }
  return dir;
}

export function adaptNhsukCss(css: string): string {
  return css
    .replace(/@font-face\{[^}]*\}/g, '')
    .replaceAll('url(/assets/images/', `url(${ASSET_PREFIX}/images/`)
    .replace(/\/\*# sourceMappingURL=[^*]*\*\//g, '');
}

function hashed(name: string, body: Buffer): string {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  const ext = path.extname(name);
  return `${path.basename(name, ext)}.${hash}${ext}`;
}

export function loadSigninAssets(): SigninAssets {
  const files = new Map<string, Asset>();
  const add = (name: string, body: Buffer, contentType: string, hash = true): string => {
    const fileName = hash ? hashed(name, body) : name;
    files.set(fileName, { body, contentType });
    return `${ASSET_PREFIX}/${fileName}`;
  };

  const dist = nhsukDist();
  const css = adaptNhsukCss(readFileSync(path.join(dist, 'nhsuk-frontend.min.css'), 'utf8'));
  const stylesheet = add('nhsuk-frontend.css', Buffer.from(css), 'text/css; charset=utf-8');

  // The icons the stylesheet refers to keep their names (the CSS names them); they are tiny.
  const images = path.join(dist, 'assets', 'images');
  for (const name of readdirSync(images)) {
    if (/^nhsuk-icon-[a-z-]+\.svg$/.test(name))
      add(`images/${name}`, readFileSync(path.join(images, name)), 'image/svg+xml', false);
  }
  const favicon = add('favicon.svg', readFileSync(path.join(images, 'favicon.svg')), 'image/svg+xml');

  return { files, stylesheet, favicon };
}
