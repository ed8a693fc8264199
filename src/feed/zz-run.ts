import { startFeedApp } from './testing.js';
const t0 = Date.now();
try {
  const t = await startFeedApp('pglite');
  console.log('started', Date.now() - t0);
  await t.close();
} catch (e) { console.error('ERR', e); }
