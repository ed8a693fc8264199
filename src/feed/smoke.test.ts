import { describe, expect, it } from 'vitest';
import { waitFor } from '../platform/jobs/testing.js';
import { startFeedApp } from './testing.js';

describe('smoke', () => {
  it('delivers', async () => {
    let at = Date.now();
    const lap = (what: string) => { console.log(what, Date.now() - at); at = Date.now(); };
    const t = await startFeedApp('pglite');
    lap('start');
    try {
      const event = await t.emitFeedEvent('prescription-order', 'RX-1');
      await waitFor(() => t.epms.received().applied.length === 1, 'delivery', 10000);
      lap('deliver');
      expect(t.epms.received().applied[0]?.id).toBe(event.id);
    } finally {
      await t.close();
      lap('close');
    }
  });
});
