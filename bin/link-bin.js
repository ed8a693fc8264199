#!/usr/bin/env node
/**
 * `npx pathways …` inside this checkout: npx runs a command from node_modules/.bin at once, but a
 * package's own bin is not linked there, so npx goes looking for a package called `pathways` (30 s
 * or more before it settles on this one). Linking our bin where npx looks first makes it instant.
 * Run by `prepare`, i.e. after every `npm ci` / `npm install`.
 */
import { existsSync, lstatSync, mkdirSync, symlinkSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const binDir = path.join(root, 'node_modules', '.bin');
const link = path.join(binDir, 'pathways');

if (existsSync(path.join(root, 'node_modules'))) {
  mkdirSync(binDir, { recursive: true });
  try {
    if (lstatSync(link)) unlinkSync(link);
  } catch {
    // no link yet
  }
  symlinkSync(path.join('..', '..', 'bin', 'pathways.js'), link);
}
