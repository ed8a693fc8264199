import { describe, expect, it } from 'vitest';
import { defaultBackgroundPoolSize } from './pool-size.js';

describe('defaultBackgroundPoolSize', () => {
  it('is a quarter of the request pool, at least two', () => {
    expect([1, 4, 8, 9, 20, 100].map(defaultBackgroundPoolSize)).toEqual([2, 2, 2, 3, 5, 25]);
  });
});
