import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { absoluteAssetUrls, BuiltPage } from './built-page.js';

describe('a page of the web build', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'pathways-built-page-'));
    file = path.join(dir, 'index.html');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("makes the build's relative asset URLs absolute for deep links", () => {
    const html =
      '<link rel="icon" href="./favicon.svg"><script type="module" crossorigin src="./assets/index-1.js"></script>' +
      '<link rel="stylesheet" crossorigin href="./assets/index-2.css"><a href="./x">text ="./y"</a>';
    expect(absoluteAssetUrls(html)).toBe(
      '<link rel="icon" href="/favicon.svg"><script type="module" crossorigin src="/assets/index-1.js"></script>' +
        '<link rel="stylesheet" crossorigin href="/assets/index-2.css"><a href="/x">text ="./y"</a>',
    );
    expect(absoluteAssetUrls('<script src="./assets/a.js">', '/portal/')).toBe(
      '<script src="/portal/assets/a.js">',
    );
  });

  it('is undefined until built, prepared once per change of the file, and undefined again when removed', async () => {
    const prepared: string[] = [];
    const page = new BuiltPage(file, (html) => {
      prepared.push(html);
      return { html };
    });
    await expect(page.current()).resolves.toBeUndefined();

    writeFileSync(file, '<script src="./assets/a.js"></script>');
    const first = await page.current();
    expect(first).toEqual({ html: '<script src="/assets/a.js"></script>' });
    expect(await page.current()).toBe(first);
    expect(prepared).toHaveLength(1);

    // A rebuild while the server runs: a new file, picked up at the next request.
    writeFileSync(file, '<script src="./assets/b.js"></script>');
    utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    await expect(page.current()).resolves.toEqual({ html: '<script src="/assets/b.js"></script>' });
    expect(prepared).toHaveLength(2);

    rmSync(file);
    await expect(page.current()).resolves.toBeUndefined();
  });

  it("passes on what `prepare` refuses (a build that is not the page's), and reads it again next time", async () => {
    writeFileSync(file, '<p>not the page</p>');
    const page = new BuiltPage(file, (html) => {
      if (!html.includes('mount')) throw new Error('no mount point');
      return html;
    });
    await expect(page.current()).rejects.toThrow('no mount point');
    writeFileSync(file, '<div>mount</div>');
    await expect(page.current()).resolves.toBe('<div>mount</div>');
  });
});
