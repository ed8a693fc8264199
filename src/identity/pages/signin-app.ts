/**
 * The sign-in page itself is the web build's second page (web/signin.html, built into dist/web
 * with the portal; its scripts and styles are served by src/portal-web under /assets/), read as the
 * portal reads its index.html (platform/http/built-page.ts). This fills in the validated request:
 * in data- attributes, because the CSP allows no inline script.
 */
import path from 'node:path';
import { BuiltPage } from '../../platform/http/built-page.js';
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

/** The built signin.html (platform/http/built-page.ts: re-read when it changes), checked for its mount point. */
export function signinTemplate(webDir: string): BuiltPage<string> {
  const file = path.join(webDir, 'signin.html');
  return new BuiltPage(file, (html) => {
    if (!html.includes(MOUNT)) throw new Error(`sign-in page: ${file} has no ${MOUNT}`);
    return html;
  });
}
