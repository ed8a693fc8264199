/** The built app's index.html (platform/http/built-page.ts: re-read when it changes) with its ETag. */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { BuiltPage } from '../platform/http/built-page.js';

export interface Page {
  html: string;
  etag: string;
}

export function indexPage(dir: string): BuiltPage<Page> {
  return new BuiltPage(path.join(dir, 'index.html'), (html) => ({
    html,
    etag: `"${createHash('sha256').update(html).digest('base64url').slice(0, 22)}"`,
  }));
}
