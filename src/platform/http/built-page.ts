/**
 * A page of the web build (Vite's output in dist/web: the portal's index.html, the sign-in page's
 * signin.html), read again when its file changes, so a rebuild while the server runs is picked up
 * at the next request, and kept in memory in between. Vite writes relative asset URLs
 * (`base: './'`); the page is served at deep paths (/appointments/1/cancel, /oauth2/authorize)
 * while the files are at /, so the URLs are made absolute once per read.
 */
import { readFile, stat } from 'node:fs/promises';

/** The build's relative asset URLs (`./assets/…`) made absolute under `base`. */
export function absoluteAssetUrls(html: string, base = '/'): string {
  return html.replace(/(\s(?:src|href))="\.\//g, `$1="${base}`);
}

export class BuiltPage<T> {
  readonly #file: string;
  readonly #prepare: (html: string) => T;
  #cached: { mtimeMs: number; size: number; page: T } | undefined;

  /** `prepare` turns the page (asset URLs absolute) into what is served: once per change of the file. */
  constructor(file: string, prepare: (html: string) => T) {
    this.#file = file;
    this.#prepare = prepare;
  }

  /** The prepared page, or undefined when the web app has not been built. */
  async current(): Promise<T | undefined> {
    let info: { mtimeMs: number; size: number };
    try {
      info = await stat(this.#file);
    } catch {
      this.#cached = undefined;
      return undefined;
    }
    const cached = this.#cached;
    if (cached && cached.mtimeMs === info.mtimeMs && cached.size === info.size) return cached.page;
    const page = this.#prepare(absoluteAssetUrls(await readFile(this.#file, 'utf8')));
    this.#cached = { mtimeMs: info.mtimeMs, size: info.size, page };
    return page;
  }
}
