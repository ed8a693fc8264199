/**
 * What a capability declares about writing one resource type through the generic FHIR routes
 * (POST, PUT, DELETE, transaction Bundles), in `context.resourceRules.declare(...)`. The kernel
 * knows no type: a type nobody declared is written by nobody (prescriptions, dispenses and claims
 * change only through their signed, state-checked operations: HAZ-TAMPER).
 *
 * One write runs: access (policy and patient binding) → `parse` and `check` (pure, before any
 * database work) → in one transaction: the current version read and locked, `beforeWrite`, the
 * store, `afterWrite` (related changes and the declared events) → the audit record.
 *
 * A writer inside the service (the hospital feed) has no HTTP roles: a type admits it by naming
 * it in `systemWriters`, and it then writes through the same `parse`/`check` and hooks, in the
 * writer's own transaction (store/system-writes.ts). Its record is its own (the feed's Provenance), not
 * the routes' audit.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { AccessPolicy } from '../auth/policy.js';
import type { Queryable } from '../database/database.js';
import { validateResource } from './validation/index.js';

export type WriteInteraction = 'create' | 'update' | 'delete';

/**
 * Who writes: an HTTP caller (already judged by the type's `write`/`delete` policy), or a trusted
 * writer inside the service that a type admits by name (`systemWriters`).
 */
export type WriteAgent = { kind: 'caller' } | { kind: 'system'; name: string };

/** An HTTP caller: the agent of every write through the generic routes. */
export const CALLER: WriteAgent = { kind: 'caller' };

export interface WriteChange<T extends Resource = Resource> {
  interaction: WriteInteraction;
  id: string;
  /** The live version being replaced or deleted; undefined for a create (or a PUT that creates). */
  before: T | undefined;
  /**
   * Create and update: in `beforeWrite` what is about to be stored, in `afterWrite` what was
   * stored (with its id and meta). Undefined for a delete.
   */
  after: T | undefined;
  /** Who writes it: hooks may tell a caller's edit from the record's source (the hospital's EPR). */
  agent: WriteAgent;
  /**
   * This write's own record, one object shared by its `beforeWrite` and `afterWrite`
   * (store/ruled-writes.ts makes one per write); absent when a caller runs a hook by itself.
   */
  effects?: WriteEffects;
}

/**
 * What one write's hooks read and wrote besides the resource. `locked`: what `beforeWrite` read
 * and locked (`Type/id` → as read), so `afterWrite` need not read it again (booking's slots: only
 * the resource itself is written in between, and the locks keep every other writer out).
 * `related`: the versions of other resources the hooks wrote (`Type/id/_history/n`, in order),
 * which the writer reports with its own (the hospital feed names them in the message's Provenance).
 */
export interface WriteEffects {
  readonly locked: Map<string, Resource>;
  readonly related: string[];
}

export function newWriteEffects(): WriteEffects {
  return { locked: new Map(), related: [] };
}

export interface WriteRules<T extends Resource = Resource> {
  /** Who may create and update (least privilege): roles, step-up, patient binding. */
  write: AccessPolicy;
  /** Who may delete; the write policy when left out. */
  delete?: AccessPolicy;
  /**
   * Writers inside the service (by name, e.g. `hl7`: the hospital feed) that may create and
   * update this type through these rules without an HTTP role. None when left out.
   */
  systemWriters?: readonly string[];
  /**
   * The body (its resourceType already the URL's) as the type's shape, or a 400. Default: full R4
   * validation. A type whose elements are completed in the transaction (an Appointment's times from
   * its slots) checks only what its rules need and leaves full validation to the store.
   */
  parse?(body: unknown): T;
  /** Pure rules on the parsed body, before any database work. A 400 (Problem) when broken. */
  check?(resource: T): void;
  /**
   * In the write's transaction, once the current version is read and locked and before the store
   * writes: checks against other records (locks they take hold until commit). May return the
   * resource to store instead (e.g. completed from related records).
   */
  beforeWrite?(tx: Queryable, change: WriteChange<T>): Promise<T | undefined>;
  /** In the same transaction, after the store wrote: related changes and the declared events. */
  afterWrite?(tx: Queryable, change: WriteChange<T>): Promise<void>;
  /**
   * `always`: every create, update and delete is audited (who changed a right to prescribe);
   * `patient-data`: when the type holds patient data (the platform's rule for every type).
   */
  audit: 'always' | 'patient-data';
  /** Event types `afterWrite` emits (docs/events.md), for documentation and tests. */
  events?: readonly string[];
  /**
   * May it be an entry of a transaction Bundle? A transaction runs the store alone and audits
   * patient data only, so a type with any check, hook or `audit: 'always'` cannot be (declare()
   * refuses the combination).
   */
  inTransactionBundle: boolean;
}

/** Nobody: the policy of every type no capability declared. */
export const NOBODY: AccessPolicy = { roles: [] };

/** The access policy of an interaction on a type with these rules (undefined: undeclared). */
export function policyOf(rules: WriteRules | undefined, interaction: WriteInteraction): AccessPolicy {
  if (!rules) return NOBODY;
  return interaction === 'delete' ? (rules.delete ?? rules.write) : rules.write;
}

/** Whether a write of this type needs its own transaction (rules that read or write other rows). */
export function hasTransactionRules(rules: WriteRules | undefined): boolean {
  return rules?.beforeWrite !== undefined || rules?.afterWrite !== undefined;
}

/** The declared body shape (default: R4 validation), then the pure checks. */
export function parseChecked<T extends Resource>(rules: WriteRules<T> | undefined, body: unknown): T {
  const resource = rules?.parse ? rules.parse(body) : (validateResource(body) as T);
  rules?.check?.(resource);
  return resource;
}

/** A declaration that cannot be honoured is a programming error, found at start-up. */
export function assertConsistent(resourceType: string, rules: WriteRules): void {
  const ownRules = rules.parse || rules.check || hasTransactionRules(rules) || rules.audit === 'always';
  if (rules.inTransactionBundle && ownRules) {
    throw new Error(
      `${resourceType}: a type with checks, hooks or audit 'always' cannot be allowed in transaction Bundles`,
    );
  }
}
