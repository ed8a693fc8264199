/**
 * The staff read rule (read-rule.ts) at the generic FHIR routes: a staff caller reads an instance
 * of a `related` type only when a declared relationship (resource-rules.ts) relates it to the
 * token's organisation, or by breaking the glass with a stated reason; searches carry the
 * relationship into their SQL; `_include`d resources are held to the same rule. Patients are not
 * handled here (patient binding), and neither is who may call a route at all (access-policy.ts).
 *
 * A break-the-glass read is audited with purpose of use BTG and the reason (by the route, with the
 * rest of its audit record), emitted as a `break-glass-access` event through the outbox for the
 * organisation to review, counted, and logged without personal data.
 */
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import type { FastifyRequest } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import type { AuditInput } from '../../audit/audit-event.js';
import { agentOfRequest, auditRequest, principalOf } from '../../auth/fastify.js';
import { isPatientBound } from '../../auth/policy.js';
import type { Principal } from '../../auth/principal.js';
import type { Database } from '../../database/database.js';
import { forbidden } from '../../errors/problem.js';
import { emit } from '../../outbox/outbox.js';
import { patientOf } from '../patient-compartment.js';
import type { ResourceRules } from '../resource-rules.js';
import { BREAK_GLASS_HEADER, BREAK_GLASS_PURPOSE, parseBreakGlassReason } from './break-glass.js';
import { type ReadScope, readDecision, readScope, searchMode } from './read-rule.js';
import { relatedIds, relationshipRestriction, type SqlRestriction } from './relationship-sql.js';

export const BREAK_GLASS_EVENT = 'break-glass-access';
export const BREAK_GLASS_METRIC = 'pathways_break_glass_reads_total';

/** What the route's own audit record of the access carries (nothing for an ordinary read). */
export type AuditPurpose = Pick<AuditInput, 'purpose' | 'purposeReason'>;

export interface StaffSearchAccess {
  /** The relationship as SQL, for a search that may return related instances only. */
  restriction?: SqlRestriction;
  /** Set for a break-the-glass search: audit its records with this purpose. */
  purpose?: AuditPurpose;
}

export interface InstanceRead {
  interaction: 'read' | 'vread' | 'history-instance';
  resourceType: string;
  id: string;
  /** What the audit and the event name: `Type/id` or `Type/id/_history/v`. */
  reference: string;
  /** The stored JSON (parsed only when the access must name the patient). */
  content: string | undefined;
}

export interface StaffReadsDeps {
  db: Database;
  rules: ResourceRules;
  audit: { record(input: AuditInput): Promise<void> };
  metrics: Registry;
}

const REFUSAL =
  'This record is not related to your organisation. In an emergency, state a reason in the X-Break-Glass-Reason header: the read is audited and your organisation reviews it';

export class StaffReads {
  readonly #deps: StaffReadsDeps;
  readonly #counter: Counter<'resource_type'>;

  constructor(deps: StaffReadsDeps) {
    this.#deps = deps;
    this.#counter = new Counter({
      name: BREAK_GLASS_METRIC,
      help: 'Break-the-glass reads (staff reading records not related to their organisation, with a stated reason), by resource type',
      labelNames: ['resource_type'],
      registers: [deps.metrics],
    });
  }

  /** The caller's scope for a type; undefined for patient-bound callers (patient binding decides). */
  scope(request: FastifyRequest, resourceType: string): ReadScope | undefined {
    const principal = principalOf(request);
    if (isPatientBound(principal)) return undefined;
    return readScope(principal.roles, this.#deps.rules.readGroup(resourceType));
  }

  /**
   * A read, vread or history of one instance that exists: returns the audit purpose (BTG) when
   * the glass was broken, throws 403 FORBIDDEN (audited) when the caller may not read it.
   */
  async authorizeInstance(request: FastifyRequest, read: InstanceRead): Promise<AuditPurpose | undefined> {
    const scope = this.scope(request, read.resourceType);
    if (scope === undefined || scope.kind === 'all') return undefined;
    const principal = principalOf(request);
    const reason = parseBreakGlassReason(request.headers[BREAK_GLASS_HEADER]);
    const related =
      scope.kind === 'related' &&
      (
        await relatedIds(
          this.#deps.db,
          this.#deps.rules,
          read.resourceType,
          [read.id],
          scope.through,
          principal.org,
        )
      ).size === 1;
    const decision = readDecision(scope, {
      related,
      breakGlass: reason !== undefined,
      hasOrganisation: principal.org !== undefined,
    });
    if (decision === 'allow') return undefined;
    const patient = patientIn(read.content);
    if (decision === 'refuse') {
      const why =
        scope.kind === 'none'
          ? `Your role may not read ${read.resourceType}`
          : reason !== undefined
            ? 'Breaking the glass needs a token issued for an organisation, whose reviewers see it'
            : REFUSAL;
      await this.#deps.audit.record({
        action: 'R',
        subtype: read.interaction,
        outcome: '4',
        ...auditRequest(request),
        entity: { reference: read.reference },
        ...(patient ? { patient } : {}),
        detail: 'not related to the caller’s organisation; refused',
      });
      throw forbidden(why);
    }
    const purpose = breakGlassPurpose(reason!);
    await this.#raise(request, principal, {
      interaction: read.interaction,
      resourceType: read.resourceType,
      reference: read.reference,
      patients: patient ? [patient] : [],
      reason: reason!,
    });
    return purpose;
  }

  /** How a search of `resourceType` runs for this caller (403 FORBIDDEN when it may not). */
  searchAccess(request: FastifyRequest, resourceType: string): StaffSearchAccess {
    const scope = this.scope(request, resourceType);
    if (scope === undefined || scope.kind === 'all') return {};
    const principal = principalOf(request);
    const reason = parseBreakGlassReason(request.headers[BREAK_GLASS_HEADER]);
    const mode = searchMode(scope, {
      breakGlass: reason !== undefined,
      hasOrganisation: principal.org !== undefined,
    });
    if (mode === 'refuse') {
      throw forbidden(
        scope.kind === 'none'
          ? `Your role may not read ${resourceType}`
          : 'Breaking the glass needs a token issued for an organisation, whose reviewers see it',
      );
    }
    if (mode === 'break-glass') return { purpose: breakGlassPurpose(reason!) };
    if (mode === 'related-only' && scope.kind === 'related') {
      return {
        restriction: relationshipRestriction(this.#deps.rules, resourceType, scope.through, principal.org),
      };
    }
    return {};
  }

  /**
   * A search Bundle with the `_include`/`_revinclude` entries the caller may not read left out
   * (matches were already restricted by the query). A break-the-glass search keeps included
   * records of the types the caller's role reads.
   */
  async filterIncluded(request: FastifyRequest, bundle: Bundle, access: StaffSearchAccess): Promise<Bundle> {
    const principal = principalOf(request);
    if (isPatientBound(principal)) return bundle;
    const entries = bundle.entry ?? [];
    const included = entries.filter((entry) => entry.search?.mode === 'include' && entry.resource);
    if (included.length === 0) return bundle;
    const allowed = new Set<BundleEntry>();
    for (const [type, group] of groupByType(included)) {
      const scope = readScope(principal.roles, this.#deps.rules.readGroup(type));
      if (scope.kind === 'all' || (scope.kind === 'related' && access.purpose)) {
        for (const entry of group) allowed.add(entry);
      } else if (scope.kind === 'related') {
        const ids = group.map((entry) => entry.resource!.id!);
        const related = await relatedIds(
          this.#deps.db,
          this.#deps.rules,
          type,
          ids,
          scope.through,
          principal.org,
        );
        for (const entry of group) if (related.has(entry.resource!.id!)) allowed.add(entry);
      }
    }
    if (allowed.size === included.length) return bundle;
    return {
      ...bundle,
      entry: entries.filter((entry) => entry.search?.mode !== 'include' || allowed.has(entry)),
    };
  }

  /** After a break-the-glass search: the event for the organisation and the count. */
  async searchedWithBrokenGlass(
    request: FastifyRequest,
    resourceType: string,
    bundle: Bundle,
  ): Promise<void> {
    const reason = parseBreakGlassReason(request.headers[BREAK_GLASS_HEADER]);
    if (reason === undefined) return;
    const patients = new Set<string>();
    for (const entry of bundle.entry ?? []) {
      const patient = entry.resource ? patientOf(entry.resource) : undefined;
      if (patient) patients.add(patient);
    }
    await this.#raise(request, principalOf(request), {
      interaction: 'search-type',
      resourceType,
      patients: [...patients],
      reason,
    });
  }

  async #raise(
    request: FastifyRequest,
    principal: Principal,
    access: {
      interaction: string;
      resourceType: string;
      reference?: string;
      patients: string[];
      reason: string;
    },
  ): Promise<void> {
    const agent = agentOfRequest(request);
    const org = principal.org!;
    await this.#deps.db.transaction((tx) =>
      emit(tx, {
        type: BREAK_GLASS_EVENT,
        key: `break-glass/${org}`.slice(0, 200),
        payload: {
          organisation: org,
          agent: agent.reference ?? agent.display ?? principal.subject,
          roles: principal.roles,
          purposeOfUse: BREAK_GLASS_PURPOSE,
          reason: access.reason,
          interaction: access.interaction,
          resourceType: access.resourceType,
          ...(access.reference ? { reference: access.reference } : {}),
          patients: access.patients,
          requestId: request.id,
        },
      }),
    );
    this.#counter.inc({ resource_type: access.resourceType });
    // Who and why are in the audit trail and the event; the log line says only that it happened.
    request.log.warn(
      { breakGlass: true, resourceType: access.resourceType, interaction: access.interaction, org },
      'break-the-glass read: raised to the organisation for review',
    );
  }
}

function breakGlassPurpose(reason: string): AuditPurpose {
  return { purpose: BREAK_GLASS_PURPOSE, purposeReason: reason };
}

function patientIn(content: string | undefined): string | undefined {
  if (content === undefined) return undefined;
  try {
    return patientOf(JSON.parse(content) as Resource);
  } catch {
    return undefined;
  }
}

function groupByType(entries: BundleEntry[]): Map<string, BundleEntry[]> {
  const groups = new Map<string, BundleEntry[]>();
  for (const entry of entries) {
    const type = entry.resource!.resourceType;
    const group = groups.get(type);
    if (group) group.push(entry);
    else groups.set(type, [entry]);
  }
  return groups;
}
