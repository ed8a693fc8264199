/**
 * The events catalogue (docs/asyncapi.yaml) as a checker of real events. Every in-process test app
 * (test/app.ts) runs it over the events its flows emitted, so an event type the code emits without
 * a catalogue entry, or a payload that does not match its schema, fails the suite that produced it
 * with a message naming the type. Synthetic events of tests use a type starting with `test.`, or,
 * when a consumer under test must take a real type, a key starting with `test.`: the check leaves
 * those alone.
 *
 * This reads the YAML with `yaml` and validates with Ajv (fast enough to run at every app's close);
 * test/events/asyncapi.test.ts parses the same file with @asyncapi/parser, the conformance check.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

export const CATALOGUE_PATH = fileURLToPath(new URL('../../docs/asyncapi.yaml', import.meta.url));
export const SUBJECT_PREFIX = 'pathways.events.';
/** Type (or key) prefix of tests' synthetic events: never emitted by the product, never catalogued. */
export const SYNTHETIC_PREFIX = 'test.';

export interface PublishedEvent {
  id: string;
  type: string;
  key: string;
  occurredAt: string;
  payload: unknown;
}

interface CatalogueDocument {
  channels?: Record<string, { address?: string; messages?: Record<string, { $ref?: string }> }>;
}

export interface EventCatalogue {
  /** Catalogued event types (the subjects' last token), in document order. */
  readonly types: readonly string[];
  /** What is wrong with these events, one line per problem; empty when all conform. */
  problems(events: readonly PublishedEvent[]): string[];
}

// ajv-formats is CommonJS with a default export that TypeScript sees as the module.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

let cached: EventCatalogue | undefined;

export function loadEventCatalogue(path = CATALOGUE_PATH): EventCatalogue {
  if (path === CATALOGUE_PATH && cached) return cached;
  const document = parse(readFileSync(path, 'utf8')) as CatalogueDocument;
  const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
  ajv.addSchema(document as object, 'asyncapi');
  // Compiled on first use: an app's close validates only the few types its suite emitted.
  const validators = new Map<string, () => ValidateFunction>();
  for (const [channelId, channel] of Object.entries(document.channels ?? {})) {
    const address = channel.address ?? '';
    if (!address.startsWith(SUBJECT_PREFIX)) {
      throw new Error(
        `docs/asyncapi.yaml: channel ${channelId} has address "${address}", not ${SUBJECT_PREFIX}<type>`,
      );
    }
    const messages = Object.values(channel.messages ?? {});
    const ref = messages[0]?.$ref;
    if (messages.length !== 1 || !ref?.startsWith('#/components/messages/')) {
      throw new Error(
        `docs/asyncapi.yaml: channel ${channelId} must have one message, a $ref to #/components/messages/…`,
      );
    }
    let compiled: ValidateFunction | undefined;
    validators.set(address.slice(SUBJECT_PREFIX.length), () => {
      compiled ??= ajv.compile({ $ref: `asyncapi${ref}/payload` });
      return compiled;
    });
  }
  const catalogue: EventCatalogue = {
    types: [...validators.keys()],
    problems: (events) => problemsOf(validators, events),
  };
  if (path === CATALOGUE_PATH) cached = catalogue;
  return catalogue;
}

function problemsOf(
  validators: ReadonlyMap<string, () => ValidateFunction>,
  events: readonly PublishedEvent[],
): string[] {
  const problems: string[] = [];
  const uncatalogued = new Map<string, number>();
  for (const event of events) {
    if (event.type.startsWith(SYNTHETIC_PREFIX) || event.key.startsWith(SYNTHETIC_PREFIX)) continue;
    const validate = validators.get(event.type)?.();
    if (!validate) {
      uncatalogued.set(event.type, (uncatalogued.get(event.type) ?? 0) + 1);
      continue;
    }
    const valid: boolean = validate(event as unknown);
    if (valid) continue;
    const errors = (validate.errors ?? [])
      .filter((error) => error.keyword !== 'allOf' && error.keyword !== 'oneOf')
      .map((error) => `${error.instancePath || '/'} ${error.message}${paramsOf(error.params)}`);
    problems.push(
      `event "${event.type}" ${event.id} does not match its schema in docs/asyncapi.yaml: ${[...new Set(errors)].join('; ')}`,
    );
  }
  for (const [type, count] of uncatalogued) {
    problems.unshift(
      `event type "${type}" (emitted ${count}×) is not in the events catalogue: add a channel with address ` +
        `"${SUBJECT_PREFIX}${type}", an operation and a message for it to docs/asyncapi.yaml ` +
        '(docs/events.md, "Adding an event type"); synthetic test events use a "test." type or key',
    );
  }
  return problems;
}

function paramsOf(params: Record<string, unknown>): string {
  if ('additionalProperty' in params) return ` (${String(params.additionalProperty)})`;
  if ('allowedValues' in params) return ` (${JSON.stringify(params.allowedValues)})`;
  if ('allowedValue' in params) return ` (${JSON.stringify(params.allowedValue)})`;
  return '';
}
