#!/usr/bin/env node
// The CLI runs the compiled build (npm ci builds it through `prepare`).
import('../dist/cli.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli.js')) {
    console.error('pathways: the build is missing; run `npm run build` first');
    process.exit(1);
  }
  throw err;
});
