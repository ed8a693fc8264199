/**
 * docs/asyncapi.yaml is a valid AsyncAPI 3 document (@asyncapi/parser), laid out the way the
 * checker reads it, in step with docs/events.md, and names every event type the code can emit.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type AsyncAPIDocumentInterface, DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE_PATH, loadEventCatalogue, SUBJECT_PREFIX } from './catalogue.js';
import { findEmitSites } from './emit-sites.js';

const EVENTS_MD = fileURLToPath(new URL('../../docs/events.md', import.meta.url));

describe('the events catalogue (docs/asyncapi.yaml)', () => {
  let document: AsyncAPIDocumentInterface;

  beforeAll(async () => {
    const { document: parsed, diagnostics } = await new Parser().parse(readFileSync(CATALOGUE_PATH, 'utf8'));
    const serious = diagnostics.filter((diagnostic) => diagnostic.severity <= DiagnosticSeverity.Warning);
    expect(
      serious.map((diagnostic) => `${diagnostic.path.join('.')}: ${diagnostic.message}`),
      'AsyncAPI errors and warnings',
    ).toEqual([]);
    expect(parsed).toBeDefined();
    document = parsed!;
  }, 60_000);

  it('is AsyncAPI 3 over NATS, one channel, message and send operation per event type', () => {
    expect(document.version()).toMatch(/^3\./);
    expect(
      document
        .servers()
        .all()
        .map((server) => server.protocol()),
    ).toEqual(['nats']);
    const channels = document.channels().all();
    expect(channels.length).toBeGreaterThan(0);
    for (const channel of channels) {
      const type = channel.id();
      expect(channel.address(), type).toBe(`${SUBJECT_PREFIX}${type}`);
      const messages = channel.messages().all();
      expect(
        messages.map((message) => message.name()),
        type,
      ).toEqual([type]);
      expect(messages[0]!.hasPayload(), type).toBe(true);
      expect(
        channel
          .operations()
          .all()
          .map((operation) => operation.action()),
        type,
      ).toEqual(['send']);
    }
    expect(loadEventCatalogue().types).toEqual(channels.map((channel) => channel.id()));
  });

  it('lists the same event types as docs/events.md', () => {
    const table = readFileSync(EVENTS_MD, 'utf8').split('## Consumers')[0]!;
    const documented = [...table.matchAll(/^\| `([a-z0-9.-]+)` \|/gm)].map((match) => match[1]);
    expect(new Set(documented)).toEqual(new Set(loadEventCatalogue().types));
  });

  it('catalogues every event type the code emits', () => {
    const sites = findEmitSites();
    expect(sites.length).toBeGreaterThan(10);
    const undetermined = sites.filter((site) => site.types.length === 0).map((site) => site.at);
    expect(undetermined, 'emit() calls whose `type` is not a string literal or a const naming one').toEqual(
      [],
    );
    const catalogued = new Set(loadEventCatalogue().types);
    const missing = sites.flatMap((site) =>
      site.types
        .filter((type) => !catalogued.has(type))
        .map((type) => `event type "${type}" emitted at ${site.at} is not in docs/asyncapi.yaml`),
    );
    expect(missing).toEqual([]);
  });
});
