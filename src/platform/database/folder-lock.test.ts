import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { FolderInUseError, lockFolder } from './folder-lock.js';

let dir: string;
let folder: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pathways-lock-'));
  folder = path.join(dir, 'pglite');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('gives the folder to one owner, names it to the next, and lets go on release', () => {
  const release = lockFolder(folder);
  expect(readFileSync(`${folder}.lock`, 'utf8').trim()).toBe(String(process.pid));
  expect(() => lockFolder(folder)).toThrow(FolderInUseError);
  expect(() => lockFolder(folder)).toThrow(`in use by another process (pid ${process.pid})`);
  release();
  expect(existsSync(`${folder}.lock`)).toBe(false);
  lockFolder(folder)();
});

it('takes over a lock whose owner is no longer running (a crash or kill -9)', () => {
  // Above the largest pid Linux hands out (pid_max is at most 2^22).
  writeFileSync(`${folder}.lock`, '4194305\n');
  const release = lockFolder(folder);
  expect(readFileSync(`${folder}.lock`, 'utf8').trim()).toBe(String(process.pid));
  release();
});

it('takes over an unreadable lock file', () => {
  writeFileSync(`${folder}.lock`, 'garbage');
  lockFolder(folder)();
});

it('refuses while the owner is another live process', () => {
  writeFileSync(`${folder}.lock`, `${process.ppid}\n`);
  expect(() => lockFolder(folder)).toThrow(`pid ${process.ppid}`);
});
