/**
 * Patient visibility: resources that exist but that a patient may not see yet (HAZ-EARLY-RESULT —
 * a result before a clinician released it and the safety delay passed). Capabilities register one
 * rule per resource type; the generic FHIR routes apply the rules to everything they return to a
 * patient-bound caller, after patient binding: a hidden resource is absent for that patient (a
 * read is 404, a search, history or `_include` leaves it out), not forbidden.
 *
 * This is not the wrong-patient control: another patient's data is refused by patient binding
 * first and raised as HAZ-WRONG-PATIENT. Visibility only narrows the caller's own records.
 */
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import type { Principal } from '../auth/principal.js';
import type { Queryable } from '../database/database.js';

/** The subset of `resources` (all of the rule's type) the patient may see now. */
export type VisibilityPredicate = (
  q: Queryable,
  resources: readonly Resource[],
  principal: Principal,
) => Promise<readonly Resource[]>;

export interface VisibilityRule {
  visible: VisibilityPredicate;
  /**
   * Called with the resources of the rule's type that were returned to the patient (after the
   * predicate), outside any transaction, e.g. to record that a result was seen.
   */
  shown?(resources: readonly Resource[], principal: Principal): Promise<void>;
}

export interface BundleVisibilityOptions {
  /** The searched type; its rule decides whether `total` can still be given. */
  searchedType?: string;
  /** The page starts at the first match (`_offset` absent or 0). */
  firstPage?: boolean;
}

export class PatientVisibility {
  readonly #rules = new Map<string, VisibilityRule>();

  register(resourceType: string, rule: VisibilityRule): void {
    if (this.#rules.has(resourceType)) {
      throw new Error(`a patient visibility rule for ${resourceType} is already registered`);
    }
    this.#rules.set(resourceType, rule);
  }

  has(resourceType: string): boolean {
    return this.#rules.has(resourceType);
  }

  /** The resources the patient may see, in their original order. */
  async filter<T extends Resource>(
    q: Queryable,
    resources: readonly T[],
    principal: Principal,
  ): Promise<T[]> {
    const hidden = await this.#hidden(q, resources, principal);
    return hidden.size === 0 ? [...resources] : resources.filter((resource) => !hidden.has(resource));
  }

  /**
   * A searchset or history Bundle without the entries the patient may not see. When the searched
   * type has a rule, `total` is recomputed from the page when the page holds every match, and
   * left out otherwise: a count must not reveal that hidden resources exist.
   */
  async filterBundle(
    q: Queryable,
    bundle: Bundle,
    principal: Principal,
    options: BundleVisibilityOptions = {},
  ): Promise<Bundle> {
    const entries = bundle.entry ?? [];
    const resources = entries.flatMap((entry) => (entry.resource ? [entry.resource] : []));
    const hidden = await this.#hidden(q, resources, principal);
    const kept = entries.filter((entry) => !entry.resource || !hidden.has(entry.resource));
    const ruled = options.searchedType !== undefined && this.#rules.has(options.searchedType);
    if (hidden.size === 0 && !(ruled && bundle.total !== undefined)) return bundle;
    const filtered: Bundle = { ...bundle, ...(bundle.entry ? { entry: kept } : {}) };
    if (ruled && bundle.total !== undefined) {
      const complete = bundle.entry !== undefined && options.firstPage === true && !hasNextLink(bundle);
      if (complete) filtered.total = kept.filter(isMatch).length;
      else delete filtered.total;
    }
    return filtered;
  }

  /** Tells each rule which of its resources were returned to the patient. */
  async shown(resources: readonly Resource[], principal: Principal): Promise<void> {
    for (const [type, group] of groupByType(resources)) {
      const rule = this.#rules.get(type);
      if (rule?.shown && group.length > 0) await rule.shown(group, principal);
    }
  }

  async #hidden(q: Queryable, resources: readonly Resource[], principal: Principal): Promise<Set<Resource>> {
    const hidden = new Set<Resource>();
    for (const [type, group] of groupByType(resources)) {
      const rule = this.#rules.get(type);
      if (!rule) continue;
      const visible = new Set(await rule.visible(q, group, principal));
      for (const resource of group) if (!visible.has(resource)) hidden.add(resource);
    }
    return hidden;
  }
}

function groupByType(resources: readonly Resource[]): Map<string, Resource[]> {
  const groups = new Map<string, Resource[]>();
  for (const resource of resources) {
    const group = groups.get(resource.resourceType);
    if (group) group.push(resource);
    else groups.set(resource.resourceType, [resource]);
  }
  return groups;
}

function isMatch(entry: BundleEntry): boolean {
  return entry.search?.mode !== 'include' && entry.search?.mode !== 'outcome';
}

function hasNextLink(bundle: Bundle): boolean {
  return (bundle.link ?? []).some((link) => link.relation === 'next');
}

/**
 * The rules of one server. The composition root does not pass a registry to the FHIR routes yet,
 * so both sides find it through the server's one AccessControl object, which both already hold.
 */
const registries = new WeakMap<object, PatientVisibility>();

export function patientVisibilityOf(owner: object): PatientVisibility {
  let registry = registries.get(owner);
  if (!registry) {
    registry = new PatientVisibility();
    registries.set(owner, registry);
  }
  return registry;
}
