import { describe, expect, it } from 'vitest';
import { restartDelayMs } from './cluster.js';

describe('restartDelayMs', () => {
  it('restarts a first death quickly and doubles the wait for each early death in a row', () => {
    expect([1, 2, 3, 4, 5].map(restartDelayMs)).toEqual([250, 500, 1_000, 2_000, 4_000]);
  });

  it('never waits longer than 15 s, however often a worker dies', () => {
    expect(restartDelayMs(7)).toBe(15_000);
    expect(restartDelayMs(1_000)).toBe(15_000);
  });

  it('does not wait before the first start', () => {
    expect(restartDelayMs(0)).toBe(0);
  });
});
