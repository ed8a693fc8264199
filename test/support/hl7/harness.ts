/** The service in-process with an MLLP listener on a free port, for the HL7 suites (not used at run time). */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { HL7_SERVICE } from '../../../src/hl7/index.js';
import { MllpClient } from '../../../src/hl7/mllp/client.js';
import { startTestApp, type TestApp } from '../../app.js';
import type { DatabaseKind } from '../../databases.js';

export interface Hl7Test {
  t: TestApp;
  port: number;
  admin: string;
  client: MllpClient;
  /** A new connection to the listener. */
  connect(): Promise<MllpClient>;
  /** Sends on the shared connection and returns the first ACK. */
  send(message: string): Promise<string>;
  /** A FHIR search or read as the admin. */
  get<T extends Resource = Bundle>(url: string, bearer?: string): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export async function startHl7Test(kind: DatabaseKind, env: Record<string, string> = {}): Promise<Hl7Test> {
  const t = await startTestApp(kind, env);
  const service = t.pathways.services.get(HL7_SERVICE);
  const { port } = await service.listen(0, '127.0.0.1');
  const connect = () => MllpClient.connect({ host: '127.0.0.1', port, timeoutMs: 20_000 });
  const client = await connect();
  const admin = await t.bearer({ roles: ['admin'] });
  return {
    t,
    port,
    admin,
    client,
    connect,
    send: async (message) => (await client.send(message))[0]!,
    async get<T extends Resource = Bundle>(url: string, bearer = admin) {
      const reply = await t.pathways.app.inject({ method: 'GET', url, headers: { authorization: bearer } });
      return { status: reply.statusCode, body: reply.json() as T };
    },
    async close() {
      await client.close().catch(() => undefined);
      await t.close();
    },
  };
}
