/**
 * Writes by a trusted writer inside the service (the hospital feed) through each type's declared
 * rules, in the writer's transaction: the same `parse`/`check`, `beforeWrite` and `afterWrite` as
 * an HTTP caller's write, so a rule declared for a type (booking's slots and events) holds however
 * the resource arrives. HTTP callers are judged by the type's `write` policy before they reach
 * the store; a system writer has no roles, so a type admits it by naming it in `systemWriters`.
 * A type that does not (or that nobody declared) is refused: a programming error, found by the
 * writer's tests, never a write that skips its rules. Each write answers with the versions of
 * other resources its hooks wrote (`related`: booking's slots), for the writer's own record.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../database/database.js';
import type { ResourceRules } from '../resource-rules.js';
import { newWriteEffects, parseChecked, type WriteAgent, type WriteRules } from '../write-rules.js';
import type { WriteResult } from './repository.js';
import { createWithRules, updateWithRules } from './ruled-writes.js';

export class SystemWriteRefused extends Error {}

/** The rules under which `writer` may write `resourceType`; throws when the type does not admit it. */
export function systemWriteRules(rules: ResourceRules, writer: string, resourceType: string): WriteRules {
  const declared = rules.writeRules(resourceType);
  if (!declared?.systemWriters?.includes(writer)) {
    throw new SystemWriteRefused(
      `${writer} may not write ${resourceType}: its declared write rules do not name ${writer} in systemWriters`,
    );
  }
  return declared;
}

/** A system write: the resource's version, and `Type/id/_history/n` of each other version its hooks wrote. */
export interface SystemWrite extends WriteResult {
  related: readonly string[];
}

export class SystemWriter {
  readonly agent: WriteAgent;

  readonly #rules: ResourceRules;

  constructor(
    readonly name: string,
    rules: ResourceRules,
  ) {
    this.#rules = rules;
    this.agent = { kind: 'system', name };
  }

  async create(tx: Queryable, resource: Resource): Promise<SystemWrite> {
    const rules = systemWriteRules(this.#rules, this.name, resource.resourceType);
    const effects = newWriteEffects();
    const created = await createWithRules(tx, rules, checked(rules, resource), {
      agent: this.agent,
      effects,
    });
    return { ...created, related: effects.related };
  }

  /**
   * Creates or replaces `resource` by its id. `current`: the live version the caller already read
   * and locked in `tx` (undefined inside: none), so hooks that need it cost no second read.
   */
  async update(
    tx: Queryable,
    resource: Resource & { id: string },
    current?: { before: Resource | undefined },
  ): Promise<SystemWrite> {
    const type = resource.resourceType;
    const rules = systemWriteRules(this.#rules, this.name, type);
    const effects = newWriteEffects();
    const updated = await updateWithRules(
      tx,
      rules,
      { type, id: resource.id },
      checked(rules, resource),
      {},
      {
        agent: this.agent,
        effects,
        ...(current ? { current } : {}),
      },
    );
    return { ...updated, related: effects.related };
  }
}

/** The type's own parse and pure checks; full R4 validation is the store's, as it writes. */
function checked(rules: WriteRules, resource: Resource): Resource {
  return rules.parse || rules.check ? parseChecked(rules, resource) : resource;
}
