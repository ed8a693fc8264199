/** The web portal's one setting, parsed at start like every capability's. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Env, text } from '../platform/config/config.js';

export interface PortalWebSettings {
  /** PORTAL_WEB_DIR: the built app (index.html, assets/); default dist/web in the package. */
  dir: string;
}

function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('portal-web: cannot find the package root');
    dir = parent;
  }
  return dir;
}

export function loadPortalWebSettings(env: Env): PortalWebSettings {
  const given = text(env, 'PORTAL_WEB_DIR');
  return { dir: given ? path.resolve(given) : path.join(packageRoot(), 'dist', 'web') };
}
