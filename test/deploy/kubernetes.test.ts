/**
 * deploy/k8s (docs/api.md §13; docs/deployment.md): the Kustomize base and the production
 * overlay render with `kubectl kustomize`, every rendered Kubernetes object passes its API
 * schema (kubernetes-models, Kubernetes 1.27 schemas: types, enums, required fields), the
 * CloudNativePG objects are checked on the fields we rely on, and the objects fit together the
 * way the service needs them to (probes on the service's health routes, the Service and the
 * budgets selecting the Deployment's pods, secrets mounted where the configuration points, ...).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/platform/config/config.js';
import { defaultBackgroundPoolSize } from '../../src/platform/database/pool-size.js';
import { REPO_ROOT } from '../process/server-process.js';

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are inspected freely, path by path
type Json = Record<string, any>;

const require = createRequire(import.meta.url);

function render(dir: string): Json[] {
  let output: string;
  try {
    output = execFileSync('kubectl', ['kustomize', path.join(REPO_ROOT, dir)], { encoding: 'utf8' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new Error('kubectl is not installed: the Kubernetes manifests cannot be rendered');
    throw error;
  }
  return parseAllDocuments(output)
    .map((document) => document.toJSON() as Json)
    .filter(Boolean);
}

const base = render('deploy/k8s/base');
const production = render('deploy/k8s/overlays/production');

function find(objects: Json[], kind: string, name?: string): Json {
  const found = objects.filter(
    (object) => object.kind === kind && (name === undefined || object.metadata.name === name),
  );
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name ?? ''}, found ${found.length}`);
  return found[0]!;
}

/** The kubernetes-models class for an object, by apiVersion and kind. */
function modelFor(object: Json): (new (data: Json) => { validate(): void }) | undefined {
  const apiVersion = String(object.apiVersion);
  if (apiVersion.includes('cnpg.io')) return undefined;
  const module = require(`kubernetes-models/${apiVersion}`) as Record<string, unknown>;
  return module[object.kind] as new (
    data: Json,
  ) => { validate(): void };
}

/** The service's generated ConfigMap (its name carries Kustomize's hash). */
function settings(objects: Json[]): Record<string, string> {
  const maps = objects.filter(
    (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('pathways-config-'),
  );
  if (maps.length !== 1) throw new Error(`expected one pathways-config ConfigMap, found ${maps.length}`);
  return maps[0]!.data;
}

const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

/** The type each dotted path must have in a custom resource ('array' for arrays). */
function checkShape(object: Json, shape: Record<string, string>): string[] {
  return Object.entries(shape).flatMap(([dotted, type]) => {
    const value = dotted.split('.').reduce<Json | undefined>((at, key) => at?.[key], object);
    const actual = Array.isArray(value) ? 'array' : typeof value;
    return actual === type ? [] : [`${object.kind}.${dotted}: ${actual}, expected ${type}`];
  });
}

describe.each([
  ['base', base],
  ['production overlay', production],
])('deploy/k8s %s', (_name, objects) => {
  it('renders objects that pass their Kubernetes API schemas', () => {
    const problems: string[] = [];
    for (const object of objects) {
      const Model = modelFor(object);
      if (!Model) continue;
      try {
        new Model(object).validate();
      } catch (error) {
        problems.push(`${object.kind}/${object.metadata?.name}: ${(error as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
    expect(objects.map((object) => object.kind)).toEqual(
      expect.arrayContaining([
        'Deployment',
        'Service',
        'PodDisruptionBudget',
        'HorizontalPodAutoscaler',
        'NetworkPolicy',
        'Job',
        'Cluster',
        'ScheduledBackup',
        'StatefulSet',
        'ConfigMap',
      ]),
    );
  });

  it('runs the service as the contract asks: ≥ 2 non-root replicas with probes on its health routes', () => {
    const deployment = find(objects, 'Deployment', 'pathways');
    const pod = deployment.spec.template.spec;
    const container = pod.containers.find((c: Json) => c.name === 'pathways');
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    // The image's USER (Dockerfile) is the one Kubernetes runs.
    const imageUser = /^USER (\d+)/m.exec(readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8'))?.[1];
    expect(String(pod.securityContext.runAsUser)).toBe(imageUser);

    const port = container.ports.find((p: Json) => p.name === 'http');
    const config = settings(objects);
    expect(String(port.containerPort)).toBe(config.PORT);
    expect(config.HOST).toBe('0.0.0.0');
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.startupProbe.httpGet.path).toBe('/healthz');
    // Readiness gives the service's own 2 s database ping time to answer.
    expect(container.readinessProbe.timeoutSeconds).toBeGreaterThan(2);
    expect(container.args).toEqual(['serve']);
    for (const kind of ['requests', 'limits'] as const) {
      expect(container.resources[kind]).toEqual({ cpu: expect.anything(), memory: expect.anything() });
    }
  });

  it('stops gracefully: preStop drains the load balancer, then the service drains within the grace period', () => {
    const deployment = find(objects, 'Deployment', 'pathways');
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    const command: string[] = container.lifecycle.preStop.exec.command;
    expect(command[0]).toBe('sleep');
    const preStopS = Number(command[1]);
    expect(preStopS).toBeGreaterThanOrEqual(5);
    const config = settings(objects);
    const drainS = Number(config.SHUTDOWN_GRACE_S);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(preStopS + drainS + 2);
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    // The configuration the pods get is one the service accepts (secrets stood in for).
    const standIns: Record<string, string> = {
      DATABASE_URL: 'postgresql://pathways:x@pathways-db-rw:5432/pathways',
      PATHWAYS_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
    };
    const podEnv: Record<string, string> = { ...config };
    for (const variable of container.env as Json[]) {
      podEnv[variable.name] = variable.value ?? standIns[variable.name] ?? 'secret';
    }
    expect(() => loadConfig(podEnv)).not.toThrow();
  });

  it('spreads across zones, with a disruption budget and an autoscaler on the same pods', () => {
    const deployment = find(objects, 'Deployment', 'pathways');
    const podLabels = deployment.spec.template.metadata.labels;
    const spread = deployment.spec.template.spec.topologySpreadConstraints;
    const zone = spread.find((c: Json) => c.topologyKey === 'topology.kubernetes.io/zone');
    expect(zone.whenUnsatisfiable).toBe('DoNotSchedule');
    expect(matches(zone.labelSelector.matchLabels, podLabels)).toBe(true);

    const pdb = find(objects, 'PodDisruptionBudget', 'pathways');
    expect(matches(pdb.spec.selector.matchLabels, podLabels)).toBe(true);
    expect(pdb.spec.maxUnavailable ?? deployment.spec.replicas - pdb.spec.minAvailable).toBeLessThan(
      deployment.spec.replicas,
    );

    const hpa = find(objects, 'HorizontalPodAutoscaler', 'pathways');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'pathways' });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.minReplicas).toBeLessThanOrEqual(deployment.spec.replicas);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);

    const service = find(objects, 'Service', 'pathways');
    expect(matches(service.spec.selector, podLabels)).toBe(true);
    expect(service.spec.ports.find((p: Json) => p.name === 'http').targetPort).toBe('http');
  });

  it('takes secrets from Secret references and mounts the PKI files where the configuration points', () => {
    const deployment = find(objects, 'Deployment', 'pathways');
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    const env = new Map<string, Json>(container.env.map((variable: Json) => [variable.name, variable]));
    expect(env.get('PATHWAYS_SECRET_KEY')?.valueFrom?.secretKeyRef?.name).toBeTruthy();
    expect(env.get('DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual({ name: 'pathways-db-app', key: 'uri' });
    const pkiMount = container.volumeMounts.find((mount: Json) => mount.name === 'pki');
    const pkiVolume = pod.volumes.find((volume: Json) => volume.name === 'pki');
    expect(pkiMount.readOnly).toBe(true);
    for (const variable of ['PKI_CA_CERT_FILE', 'PKI_CA_KEY_FILE', 'PKI_ROOT_CERT_FILE']) {
      const file: string = env.get(variable)?.value;
      expect(path.posix.dirname(file), variable).toBe(pkiMount.mountPath);
      expect(pkiVolume.secret.items.map((item: Json) => item.path)).toContain(path.posix.basename(file));
    }
    // No secret value in the configuration map or in plain env values.
    const config = settings(objects);
    expect(Object.keys(config).join(' ')).not.toMatch(/SECRET|PASSWORD|API_KEY|DATABASE_URL/);
    // The read-only root filesystem leaves /tmp and DATA_DIR writable.
    const mounts = container.volumeMounts.map((mount: Json) => mount.mountPath);
    expect(mounts).toEqual(expect.arrayContaining(['/tmp', config.DATA_DIR]));
    // The migration job migrates the same database with the same image and settings.
    const job = find(objects, 'Job');
    const migrate = job.spec.template.spec.containers[0];
    expect(migrate.args).toEqual(['migrate']);
    expect(migrate.image).toBe(container.image);
    expect(migrate.envFrom).toEqual(container.envFrom);
    expect(migrate.env.find((variable: Json) => variable.name === 'DATABASE_URL')).toEqual(
      env.get('DATABASE_URL'),
    );
    expect(job.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
  });

  it('lets in only the ingress controller and lets out only DNS, PostgreSQL and NATS (plus named hosts in production)', () => {
    const deployment = find(objects, 'Deployment', 'pathways');
    const podLabels = deployment.spec.template.metadata.labels;
    const policies = objects.filter(
      (object) => object.kind === 'NetworkPolicy' && matches(object.spec.podSelector.matchLabels, podLabels),
    );
    expect(policies.length).toBeGreaterThan(0);
    for (const policy of policies) expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    const ingress = policies.flatMap((policy) => policy.spec.ingress ?? []);
    const httpSources = ingress.filter((rule: Json) => rule.ports.some((p: Json) => p.port === 'http'));
    expect(httpSources).toHaveLength(1);
    expect(httpSources[0].from).toEqual([
      expect.objectContaining({
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
      }),
    ]);
    const egress = policies.flatMap((policy) => policy.spec.egress ?? []);
    const ports = egress.flatMap((rule: Json) => rule.ports.map((p: Json) => p.port));
    expect(ports).toEqual(expect.arrayContaining([53, 5432, 4222]));
    const toPostgres = egress.find((rule: Json) => rule.ports.some((p: Json) => p.port === 5432));
    expect(toPostgres.to).toEqual([{ podSelector: { matchLabels: { 'cnpg.io/cluster': 'pathways-db' } } }]);
    // Every other way out is HTTPS to an address block: no rule without a destination.
    for (const rule of egress) expect(rule.to?.length).toBeGreaterThan(0);
    const others = egress.filter(
      (rule: Json) => !rule.ports.some((p: Json) => [53, 5432, 4222].includes(p.port)),
    );
    for (const rule of others) {
      expect(rule.ports).toEqual([{ port: 443, protocol: 'TCP' }]);
      expect(rule.to.every((to: Json) => to.ipBlock?.cidr && to.ipBlock.cidr !== '0.0.0.0/0')).toBe(true);
    }
  });

  it('runs PostgreSQL as a CloudNativePG cluster of three with synchronous replication and backups for point-in-time recovery', () => {
    const cluster = find(objects, 'Cluster', 'pathways-db');
    expect(cluster.apiVersion).toBe('postgresql.cnpg.io/v1');
    expect(
      checkShape(cluster, {
        'spec.instances': 'number',
        'spec.postgresql.synchronous.method': 'string',
        'spec.postgresql.synchronous.number': 'number',
        'spec.postgresql.synchronous.dataDurability': 'string',
        'spec.postgresql.parameters.max_connections': 'string',
        'spec.bootstrap.initdb.database': 'string',
        'spec.storage.size': 'string',
        'spec.affinity.topologyKey': 'string',
        'spec.backup.retentionPolicy': 'string',
        'spec.backup.barmanObjectStore.destinationPath': 'string',
        'spec.backup.barmanObjectStore.s3Credentials.accessKeyId.name': 'string',
        'spec.backup.barmanObjectStore.wal.compression': 'string',
      }),
    ).toEqual([]);
    expect(cluster.spec.instances).toBe(3);
    // The CRD's rules: method any|first, 0 < number < instances; durability required|preferred.
    expect(['any', 'first']).toContain(cluster.spec.postgresql.synchronous.method);
    expect(cluster.spec.postgresql.synchronous.number).toBeGreaterThanOrEqual(1);
    expect(cluster.spec.postgresql.synchronous.number).toBeLessThan(cluster.spec.instances);
    expect(cluster.spec.postgresql.synchronous.dataDurability).toBe('required');
    expect(cluster.spec.minSyncReplicas).toBeGreaterThanOrEqual(1);
    expect(cluster.spec.minSyncReplicas).toBeLessThanOrEqual(cluster.spec.maxSyncReplicas);
    expect(cluster.spec.maxSyncReplicas).toBeLessThan(cluster.spec.instances);
    expect(cluster.spec.affinity).toMatchObject({
      topologyKey: 'topology.kubernetes.io/zone',
      podAntiAffinityType: 'required',
    });
    expect(cluster.spec.backup.barmanObjectStore.destinationPath).toMatch(/^s3:\/\/|^gs:\/\/|^https:\/\//);
    // Enough connections for every pod's pools at the autoscaler's maximum: per server process the
    // request pool, the background pool, the readiness probe and the outbox's LISTEN.
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'pathways');
    const config = settings(objects);
    const requestPool = Number(config.DB_POOL_SIZE);
    const backgroundPool = Number(config.DB_BACKGROUND_POOL_SIZE ?? defaultBackgroundPoolSize(requestPool));
    const perProcess = requestPool + backgroundPool + 2;
    const processes = Number(config.WORKERS ?? 1);
    expect(Number(cluster.spec.postgresql.parameters.max_connections)).toBeGreaterThan(
      perProcess * processes * hpa.spec.maxReplicas,
    );

    const backup = find(objects, 'ScheduledBackup');
    expect(checkShape(backup, { 'spec.schedule': 'string', 'spec.cluster.name': 'string' })).toEqual([]);
    expect(backup.spec.cluster.name).toBe('pathways-db');
    // CloudNativePG's schedule has six fields (seconds first).
    expect(backup.spec.schedule.split(' ')).toHaveLength(6);
    expect(backup.spec.method).toBe('barmanObjectStore');
  });

  it('runs NATS JetStream on three servers in one cluster, and publishes each event to all three', () => {
    const nats = find(objects, 'StatefulSet', 'nats');
    expect(nats.spec.replicas).toBe(3);
    const conf: string = find(objects, 'ConfigMap', 'nats-config').data['nats.conf'];
    expect(conf).toMatch(/jetstream \{/);
    const routes = [...conf.matchAll(/nats:\/\/(nats-\d)\.nats-headless:6222/g)].map((m) => m[1]);
    expect(routes).toEqual(['nats-0', 'nats-1', 'nats-2']);
    expect(nats.spec.serviceName).toBe('nats-headless');
    expect(nats.spec.volumeClaimTemplates[0].metadata.name).toBe('data');
    const config = settings(objects);
    expect(config.NATS_STREAM_REPLICAS).toBe('3');
    expect(new URL(config.NATS_URL!).hostname).toBe(find(objects, 'Service', 'nats').metadata.name);
  });
});

describe('deploy/k8s production overlay', () => {
  it('puts everything in one namespace that enforces the restricted Pod Security Standard', () => {
    const namespace = find(production, 'Namespace');
    expect(namespace.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    for (const object of production.filter((o) => o.kind !== 'Namespace')) {
      expect(object.metadata.namespace, `${object.kind}/${object.metadata.name}`).toBe(
        namespace.metadata.name,
      );
    }
  });

  it('pins the image and sets the public address and the outbound services', () => {
    const deployment = find(production, 'Deployment', 'pathways');
    expect(deployment.spec.template.spec.containers[0].image).toMatch(/^[^:]+\/[^:]+:[\w.-]+$/);
    const config = settings(production);
    for (const name of ['PUBLIC_URL', 'EPMS_URL', 'NOTIFY_BASE_URL', 'DEMOGRAPHICS_URL']) {
      expect(config[name], name).toMatch(/^https:\/\//);
    }
    // Notify's key comes with its URL (the service refuses one without the other).
    const env = deployment.spec.template.spec.containers[0].env.map((variable: Json) => variable.name);
    expect(env).toContain('NOTIFY_API_KEY');
  });
});
