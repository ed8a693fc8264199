import { describe, expect, it } from 'vitest';
import { Switchboard } from './switchboard.js';

describe('the fake ePMS switchboard', () => {
  it('behaves normally until told otherwise', () => {
    expect(new Switchboard().next('rx-1')).toBe('normal');
  });

  it('applies a general behaviour to every prescription until changed', () => {
    const board = new Switchboard();
    board.set({ behaviour: 'unavailable' });
    expect([board.next('a'), board.next('b'), board.next(undefined)]).toEqual([
      'unavailable',
      'unavailable',
      'unavailable',
    ]);
    board.set({ behaviour: 'normal' });
    expect(board.next('a')).toBe('normal');
    expect(board.rules()).toEqual([]);
  });

  it('spends a rule with `times`, then falls back', () => {
    const board = new Switchboard();
    board.set({ behaviour: 'reject', times: 2 });
    expect([board.next('a'), board.next('b'), board.next('c')]).toEqual(['reject', 'reject', 'normal']);
  });

  it('lets a prescription rule take precedence over the general one, for that prescription only', () => {
    const board = new Switchboard();
    board.set({ behaviour: 'hang' });
    board.set({ behaviour: 'unavailable', prescriptionId: 'slow', times: 1 });
    expect(board.next('slow')).toBe('unavailable');
    expect(board.next('slow')).toBe('hang');
    expect(board.next('other')).toBe('hang');
    board.set({ behaviour: 'drop-after-apply', prescriptionId: 'slow' });
    board.set({ behaviour: 'reject', prescriptionId: 'slow' });
    expect(board.rules()).toEqual([{ behaviour: 'reject', prescriptionId: 'slow' }, { behaviour: 'hang' }]);
    board.reset();
    expect(board.next('slow')).toBe('normal');
  });

  it('refuses unknown behaviours and nonsense counts', () => {
    const board = new Switchboard();
    expect(() => board.set({ behaviour: 'explode' as never })).toThrow(/unknown behaviour/);
    expect(() => board.set({ behaviour: 'hang', times: 0 })).toThrow(/times/);
    expect(() => board.set({ behaviour: 'hang', times: 1.5 })).toThrow(/times/);
  });
});
