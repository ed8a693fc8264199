import { randomInt } from 'node:crypto';

/** A source of numbers in [0, 1), like Math.random. Generators take one so tests can make them repeatable. */
export type RandomSource = () => number;

const SCALE = 2 ** 32; // ample for drawing digits, and within randomInt's range (below 2^48)

/** The default source: the operating system's CSPRNG, so identifiers are not predictable from earlier ones. */
export const secureRandom: RandomSource = () => randomInt(SCALE) / SCALE;

/** An integer in [0, size) drawn from `random`; a source outside [0, 1) is a programming error. */
export function randomIndex(random: RandomSource, size: number): number {
  const value = random();
  if (!(value >= 0 && value < 1)) {
    throw new RangeError(`random source must return a number in [0, 1), got ${value}`);
  }
  return Math.floor(value * size);
}
