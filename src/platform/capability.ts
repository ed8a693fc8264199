/**
 * What a capability (register, prescribing, dispensing, feed, portal, notifications, …) is to
 * the composition root. Each capability folder exports one factory; `src/capabilities.ts` lists
 * them in order, and app.ts wires each one the same way, so adding a capability never means
 * editing the server shell.
 */
import type { FastifyInstance } from 'fastify';
import type { AuditTrail } from './audit/trail.js';
import type { AccessControl } from './auth/fastify.js';
import type { Config, Env } from './config/config.js';
import type { SecretKey } from './crypto/secret-box.js';
import type { Database } from './database/database.js';
import type { CapabilityRegistry } from './fhir/capability.js';
import type { ResourceRules } from './fhir/resource-rules.js';
import type { Logger } from './logging/logger.js';
import type { Registry } from './metrics/metrics.js';
import type { Outbox } from './outbox/outbox.js';

/** Everything the platform gives a capability. */
export interface PlatformContext {
  config: Config;
  /**
   * The environment the config came from. A capability parses its own settings from it at build
   * time with the helpers of platform/config (`integer`, `url`, `flag`, `text`), so a bad value
   * stops the start with one ConfigError line naming the variable.
   */
  env: Env;
  db: Database;
  log: Logger;
  metrics: Registry;
  audit: AuditTrail;
  /** Register consumers here (before start); queue and schedule jobs on `outbox.jobs`. */
  outbox: Outbox;
  /**
   * The one policy enforcement: `protect(scope, access, { requireDeclaredPolicy: true })` on a
   * scope whose routes declare `config: { access }` (auth/policy.ts `RouteAccess`), and patient
   * binding of what they return.
   */
  access: AccessControl;
  /** Operations a capability adds are declared here so the CapabilityStatement lists them. */
  capabilities: CapabilityRegistry;
  /**
   * What a capability declares per resource type to the generic FHIR routes (resource-rules.ts):
   * write rules, read rules (group, patient data) and the relationships that relate staff
   * organisations to records — each capability in its own resource-types.ts.
   */
  resourceRules: ResourceRules;
  /** Encrypts secrets at rest (TOTP seeds, signing keys): `encryptSecret(secretKey, …)`. */
  secretKey: SecretKey;
  /** e.g. http://localhost:3000/fhir/R4 */
  fhirBaseUrl: string;
  /** Services other capabilities published (see `provide`), by their typed keys. */
  services: ServiceRegistry;
}

declare const serviceType: unique symbol;

/**
 * A service's name and, at compile time only, its type: the providing capability exports the key
 * from its index.ts, so a consumer gets the type it provides and never restates it with a cast.
 */
export interface ServiceKey<T> {
  readonly name: string;
  readonly [serviceType]?: (service: T) => T;
}

export function defineService<T>(name: string): ServiceKey<T> {
  return { name };
}

/** Capabilities that need each other (prescribing needs the register's rights) meet here. */
export class ServiceRegistry {
  readonly #services = new Map<string, unknown>();

  provide<T>(key: ServiceKey<T>, service: T): void {
    if (this.#services.has(key.name)) throw new Error(`service ${key.name} is already provided`);
    this.#services.set(key.name, service);
  }

  /** The service of `key`; throws at start-up when the capability providing it is missing. */
  get<T>(key: ServiceKey<T>): T {
    if (!this.#services.has(key.name))
      throw new Error(`service ${key.name} is not provided by any capability`);
    return this.#services.get(key.name) as T;
  }

  has<T>(key: ServiceKey<T>): boolean {
    return this.#services.has(key.name);
  }
}

export interface Capability {
  name: string;
  /**
   * Routes outside /fhir/R4 (e.g. /pki/ca.pem, /admin/feed). Each declares `config: { access }`:
   * `'public'`, or a policy in a scope protected with `protect(scope, access, …)`.
   */
  routes?(app: FastifyInstance): Promise<void>;
  /**
   * Routes inside /fhir/R4: the scope is protected (each route must declare `config: { access }`,
   * or the start fails) and serves FHIR JSON.
   * Static paths (`/Task`, `/$process-message`) take precedence over the generic `/:type` ones.
   */
  fhirRoutes?(fhir: FastifyInstance): Promise<void>;
  /**
   * `serve` calls this once the HTTP listener is up: the capability's own listeners (the HL7 MLLP
   * port). Not called by in-process tests, which open what they need themselves.
   */
  listen?(): Promise<void>;
  /** PATHWAYS_DEMO: seed this capability's demo data (idempotent); lines for the banner. */
  seedDemo?(): Promise<string[]>;
  /** Called after the HTTP server has stopped accepting and before the outbox stops. */
  stop?(): Promise<void>;
}

export type CapabilityFactory = (context: PlatformContext) => Promise<Capability> | Capability;
