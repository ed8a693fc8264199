import { describe, expect, it } from 'vitest';
import { sourceOf } from './source-address.js';

describe('the address a failed sign-in counts against', () => {
  it('keeps IPv4 addresses, mapped ones included', () => {
    expect(sourceOf('203.0.113.7')).toBe('203.0.113.7');
    expect(sourceOf('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(sourceOf('::FFFF:10.0.0.1')).toBe('10.0.0.1');
  });

  it('counts a whole IPv6 /64 as one client, however the address is written', () => {
    const a = sourceOf('2001:db8:aa:bb:1:2:3:4');
    expect(a).toBe('2001:db8:aa:bb::/64');
    expect(sourceOf('2001:0db8:00aa:00bb:ffff:ffff:ffff:ffff')).toBe(a);
    expect(sourceOf('2001:db8:aa:bb::9')).toBe(a);
    expect(sourceOf('2001:db8:aa:bc::9')).not.toBe(a);
    expect(sourceOf('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(sourceOf('::1')).toBe('0:0:0:0::/64');
    expect(sourceOf('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
  });

  it('puts anything unreadable in one bucket', () => {
    expect(sourceOf(undefined)).toBe('unknown');
    expect(sourceOf('')).toBe('unknown');
    expect(sourceOf('not-an-address')).toBe('unknown');
    expect(sourceOf('1.2.3.4.5')).toBe('unknown');
  });
});
