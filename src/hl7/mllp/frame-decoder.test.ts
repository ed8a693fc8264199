import { describe, expect, it } from 'vitest';
import { FrameDecoder, type FrameEvent, frame } from './frame-decoder.js';

const texts = (events: FrameEvent[]) =>
  events.map((event) =>
    event.kind === 'frame' ? event.payload.toString('utf8') : `oversized:${event.bytes}`,
  );

describe('FrameDecoder', () => {
  it('returns whole frames whatever the chunking, byte by byte included', () => {
    const wire = Buffer.concat([frame('MSH|one'), frame('MSH|two')]);
    for (const size of [1, 2, 3, 7, wire.length]) {
      const decoder = new FrameDecoder(1000);
      const events: FrameEvent[] = [];
      for (let i = 0; i < wire.length; i += size) events.push(...decoder.push(wire.subarray(i, i + size)));
      expect(texts(events)).toEqual(['MSH|one', 'MSH|two']);
      expect(decoder.inFrame).toBe(false);
    }
  });

  it('skips bytes between frames and keeps a lone 0x1C inside a payload', () => {
    const decoder = new FrameDecoder(1000);
    const wire = Buffer.concat([
      Buffer.from('\r\nnoise'),
      frame(Buffer.from([0x41, 0x1c, 0x42])),
      Buffer.from('\r'),
      frame('C'),
    ]);
    expect(texts(decoder.push(wire))).toEqual(['A\x1cB', 'C']);
  });

  it('drops a frame cut short by a new start block and decodes the new one', () => {
    const decoder = new FrameDecoder(1000);
    const wire = Buffer.concat([Buffer.from('\x0bMSH|cut sho'), frame('MSH|whole')]);
    for (const size of [1, 5, wire.length]) {
      const chunked = new FrameDecoder(1000);
      const events: FrameEvent[] = [];
      for (let i = 0; i < wire.length; i += size) events.push(...chunked.push(wire.subarray(i, i + size)));
      expect(texts(events)).toEqual(['MSH|whole']);
    }
    expect(texts(decoder.push(Buffer.from('\x0bA\x0bB\x1c\r')))).toEqual(['B']);
  });

  it('holds an unfinished frame and counts its bytes', () => {
    const decoder = new FrameDecoder(1000);
    expect(decoder.push(Buffer.from('\x0bMSH|half'))).toEqual([]);
    expect(decoder.inFrame).toBe(true);
    expect(decoder.bufferedBytes).toBe(8);
    expect(texts(decoder.push(Buffer.from('\x1c\r')))).toEqual(['MSH|half']);
  });

  it('reports an oversized frame once, drops it and decodes the next one', () => {
    const decoder = new FrameDecoder(10);
    const wire = Buffer.concat([frame('x'.repeat(25)), frame('small')]);
    const events: FrameEvent[] = [];
    for (let i = 0; i < wire.length; i += 4) events.push(...decoder.push(wire.subarray(i, i + 4)));
    expect(events.filter((event) => event.kind === 'oversized')).toHaveLength(1);
    expect(texts(events.filter((event) => event.kind === 'frame'))).toEqual(['small']);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('frames a payload with the MLLP block characters', () => {
    expect([...frame('A')]).toEqual([0x0b, 0x41, 0x1c, 0x0d]);
  });
});
