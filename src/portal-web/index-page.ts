/**
 * The built app's index.html, read when it changes (a rebuild while the server runs is picked up
 * at the next request) and kept in memory with its ETag.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { absoluteAssetUrls } from './client-route.js';

export interface Page {
  html: string;
  etag: string;
}

export class IndexPage {
  readonly #file: string;
  #cached: { mtimeMs: number; size: number; page: Page } | undefined;

  constructor(dir: string) {
    this.#file = path.join(dir, 'index.html');
  }

  /** The page, or undefined when the app has not been built. */
  async current(): Promise<Page | undefined> {
    let info: { mtimeMs: number; size: number };
    try {
      info = await stat(this.#file);
    } catch {
      this.#cached = undefined;
      return undefined;
    }
    const cached = this.#cached;
    if (cached && cached.mtimeMs === info.mtimeMs && cached.size === info.size) return cached.page;
    const html = absoluteAssetUrls(await readFile(this.#file, 'utf8'));
    const etag = `"${createHash('sha256').update(html).digest('base64url').slice(0, 22)}"`;
    this.#cached = { mtimeMs: info.mtimeMs, size: info.size, page: { html, etag } };
    return this.#cached.page;
  }
}
