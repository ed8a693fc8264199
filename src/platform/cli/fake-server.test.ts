import { describe, expect, it } from 'vitest';
import { portArgument } from './fake-server.js';

describe('the fake servers’ --port', () => {
  it('takes a whole number from 0 (any free port) to 65535', () => {
    expect(portArgument('0', 'usage')).toBe(0);
    expect(portArgument('2576', 'usage')).toBe(2576);
    expect(portArgument('65535', 'usage')).toBe(65535);
  });

  it('refuses anything else, naming the value and the usage', () => {
    for (const bad of ['65536', '-1', '1e3', '80.5', 'http', ''])
      expect(() => portArgument(bad, 'usage: pathways fake-x'), bad).toThrow(
        new RegExp(`^--port: not a port \\(0–65535\\): ${bad.replace('.', '\\.')}\\nusage: pathways fake-x$`),
      );
  });
});
