import { describe, expect, it } from 'vitest';
import type { WireEvent } from '../wire-format.js';
import { Ledger } from './ledger.js';

const event = (id: string, prescriptionId: string): WireEvent => ({
  id,
  type: 'claim',
  prescriptionId,
  occurredAt: '2026-03-01T10:00:00.000Z',
  resource: { resourceType: 'Claim' },
});

describe('the fake ePMS ledger', () => {
  it('books each Idempotency-Key once and counts the rest as duplicates', () => {
    const ledger = new Ledger();
    expect(ledger.book('a', event('a', 'rx-1'))).toBe('applied');
    expect(ledger.book('b', event('b', 'rx-2'))).toBe('applied');
    expect(ledger.book('a', event('a', 'rx-1'))).toBe('duplicate');
    expect(ledger.book('a', event('a', 'rx-1'))).toBe('duplicate');
    expect(ledger.snapshot()).toEqual({ applied: [event('a', 'rx-1'), event('b', 'rx-2')], duplicates: 2 });
    expect(ledger.has('a')).toBe(true);
    expect(ledger.has('c')).toBe(false);
  });

  it('keeps arrival order per prescription', () => {
    const ledger = new Ledger();
    for (const [id, rx] of [
      ['1', 'x'],
      ['2', 'y'],
      ['3', 'x'],
      ['4', 'x'],
    ] as const)
      ledger.book(id, event(id, rx));
    expect(ledger.of('x').map((booked) => booked.id)).toEqual(['1', '3', '4']);
    expect(ledger.of('z')).toEqual([]);
  });

  it('forgets everything on reset', () => {
    const ledger = new Ledger();
    ledger.book('a', event('a', 'x'));
    ledger.book('a', event('a', 'x'));
    ledger.reset();
    expect(ledger.snapshot()).toEqual({ applied: [], duplicates: 0 });
    expect(ledger.book('a', event('a', 'x'))).toBe('applied');
  });
});
