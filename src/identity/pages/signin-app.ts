/**
 * The sign-in page itself is the web build's second page (web/signin.html, built into dist/web
 * with the portal; its scripts and styles are served by src/portal-web under /assets/). This reads
 * it when it changes, so a rebuild while the server runs is picked up at the next request, and
 * fills in the validated request: in data- attributes, because the CSP allows no inline script.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AuthorizeRequest } from './authorize-request.js';
import { escapeHtml } from './layout.js';

/** The element the page's script mounts on; the build leaves it empty. */
const MOUNT = '<div id="signin"></div>';

export function renderSigninApp(html: string, request: AuthorizeRequest, selfUrl: string): string {
  const data = [
    `data-redirect-uri="${escapeHtml(request.redirectUri)}"`,
    `data-code-challenge="${escapeHtml(request.codeChallenge)}"`,
    request.state === undefined ? '' : `data-state="${escapeHtml(request.state)}"`,
    request.scope === undefined ? '' : `data-scope="${escapeHtml(request.scope)}"`,
    `data-self="${escapeHtml(selfUrl)}"`,
  ].filter(Boolean);
  // A function replacement: `$` in the request must not be read as a replacement pattern.
  return html.replace(MOUNT, () => `<div id="signin" ${data.join(' ')}></div>`);
}

export class SigninApp {
  readonly #file: string;
  #cached: { mtimeMs: number; size: number; html: string } | undefined;

  constructor(webDir: string) {
    this.#file = path.join(webDir, 'signin.html');
  }

  /** The built page with absolute asset URLs, or undefined when the web app has not been built. */
  async template(): Promise<string | undefined> {
    let info: { mtimeMs: number; size: number };
    try {
      info = await stat(this.#file);
    } catch {
      this.#cached = undefined;
      return undefined;
    }
    const cached = this.#cached;
    if (cached && cached.mtimeMs === info.mtimeMs && cached.size === info.size) return cached.html;
    // Vite writes relative URLs (base './'); the page lives at /oauth2/authorize, the files at /.
    const html = (await readFile(this.#file, 'utf8')).replace(/(\s(?:src|href))="\.\//g, '$1="/');
    if (!html.includes(MOUNT)) throw new Error(`sign-in page: ${this.#file} has no ${MOUNT}`);
    this.#cached = { mtimeMs: info.mtimeMs, size: info.size, html };
    return html;
  }
}
