#!/usr/bin/env node
// Rewrites citations of the shared contract ("CONTRACT.md §5", "CONTRACT.md section 3") in the
// repository's own files to its API reference, docs/api.md, whose sections are numbered alike.
// Usage: node bin/cite-api.js [path …]   (default: the tracked files of the repository)
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const files =
  process.argv.length > 2
    ? process.argv.slice(2)
    : execFileSync('git', ['ls-files', '-z'], { encoding: 'utf8' }).split('\0').filter(Boolean);
const CITATION = /CONTRACT\.md(?: (?:§ ?|section )(\d+))?/g;
let changed = 0;
for (const file of files) {
  if (file === 'bin/cite-api.js' || !/\.(ts|tsx|js|mjs|md|yaml|yml|json|sh)$/.test(file)) continue;
  const text = readFileSync(file, 'utf8');
  const next = text.replace(CITATION, (_, section) => (section ? `docs/api.md §${section}` : 'docs/api.md'));
  if (next !== text) {
    writeFileSync(file, next);
    changed++;
    console.log(`cite-api: ${file}`);
  }
}
console.log(`cite-api: ${changed} file(s) now cite docs/api.md`);
