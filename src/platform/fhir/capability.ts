/**
 * The CapabilityStatement is generated from what is registered: the stored resource types, the
 * search parameters the search module really implements, and the operations capabilities add.
 */
import type {
  CapabilityStatement,
  CapabilityStatementRestResource,
  CapabilityStatementRestSecurity,
} from '@medplum/fhirtypes';
import { RESOURCE_TYPES } from './resource-types.js';
import { searchParameters } from './search/index.js';

export interface OperationRegistration {
  name: string;
  definition: string;
  /** Resource type the operation is invoked on; system-level when omitted. */
  resourceType?: string;
  documentation?: string;
}

export class CapabilityRegistry {
  private readonly operations: OperationRegistration[] = [];

  addOperation(operation: OperationRegistration): void {
    this.operations.push(operation);
  }

  build(options: { baseUrl: string; version: string; now?: Date }): CapabilityStatement {
    const resources: CapabilityStatementRestResource[] = RESOURCE_TYPES.map((type) => {
      const params = searchParameters(type);
      const operations = this.operations.filter((operation) => operation.resourceType === type);
      return {
        type,
        versioning: 'versioned-update',
        readHistory: true,
        updateCreate: true,
        conditionalCreate: true,
        conditionalRead: 'not-supported',
        conditionalUpdate: false,
        conditionalDelete: 'not-supported',
        interaction: (
          ['read', 'vread', 'update', 'delete', 'history-instance', 'create', 'search-type'] as const
        ).map((code) => ({ code })),
        searchParam: params.map((param) => ({
          name: param.name,
          type: param.type,
          ...(param.definition ? { definition: param.definition } : {}),
          ...(param.documentation ? { documentation: param.documentation } : {}),
        })),
        ...(operations.length > 0
          ? { operation: operations.map(({ name, definition }) => ({ name, definition })) }
          : {}),
      };
    });
    const systemOperations = this.operations.filter((operation) => !operation.resourceType);
    return {
      resourceType: 'CapabilityStatement',
      status: 'active',
      date: (options.now ?? new Date()).toISOString(),
      kind: 'instance',
      software: { name: 'Pathways', version: options.version },
      implementation: { description: 'Pathways FHIR R4 server', url: options.baseUrl },
      fhirVersion: '4.0.1',
      format: ['application/fhir+json', 'json'],
      rest: [
        {
          mode: 'server',
          security: smartSecurity(options.baseUrl),
          resource: resources,
          interaction: [{ code: 'transaction' }],
          ...(systemOperations.length > 0
            ? { operation: systemOperations.map(({ name, definition }) => ({ name, definition })) }
            : {}),
        },
      ],
    };
  }
}

/** `rest.security`: SMART on FHIR, with the OAuth endpoints (App Launch 2, conformance). */
function smartSecurity(baseUrl: string): CapabilityStatementRestSecurity {
  const issuer = baseUrl.replace(/\/fhir\/R4\/?$/, '');
  return {
    cors: false,
    service: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' },
        ],
        text: 'OAuth2 using the SMART App Launch profile',
      },
    ],
    description: `SMART App Launch 2: discovery at ${baseUrl}/.well-known/smart-configuration. Bearer access tokens from ${issuer}/oauth2/token (authorization code with PKCE, or client credentials with private_key_jwt).`,
    extension: [
      {
        url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
        extension: [
          { url: 'authorize', valueUri: `${issuer}/oauth2/authorize` },
          { url: 'token', valueUri: `${issuer}/oauth2/token` },
        ],
      },
    ],
  };
}
