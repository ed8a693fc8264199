/**
 * `pathways <command>`: serve, migrate, audit verify. Configuration comes from the environment
 * (docs/api.md §1); a bad value stops with one line naming the variable.
 */
import { parseArgs } from 'node:util';
import { type Config, ConfigError, loadConfig } from './platform/config/config.js';
import type { Database } from './platform/database/database.js';
import { createLogger } from './platform/logging/logger.js';

const USAGE = `usage: pathways <command>

commands:
  serve          run the service (HTTP API, portal, jobs); migrations are applied first
  migrate        apply database migrations and exit
  audit verify   check the audit hash chain; exit 1 and name the first broken record
  user add       --username U --role R [--password P] [--fhir-user Practitioner/ID|Patient/ID] [--org ODS]
  totp SECRET    print the current one-time code for a base32 TOTP secret (demo and scripts)
  client add     --name N --jwks-file F --scope "S …" [--org ODS] [--role R]
  hl7 send       FILE… [--host H] [--port P]: send HL7 v2 files over MLLP and print each ACK (MSA)
  hl7 replay     ID…: run stored HL7 messages (the dead letters of GET /admin/hl7/messages) through the feed again
  fake-epms      [--port 4010] (--key-url <pathways>/pki/feed.pem | --key-file F): a fake claims system (ePMS) for tests and demos
  fake-epr       [--port 2576] [--mode accept|down|slow|nak-ae|nak-ar|drop] [--times N]: a fake hospital EPR (EPR_MLLP_URL) for tests and demos
  fake-notify    [--port 4020] [--host H] [--api-key K] [--settle-ms 2000]: a fake GOV.UK Notify for tests and demos
  fake-pds       [--port 4030] [--host H]: a fake PDS-like demographics service (DEMOGRAPHICS_URL) for tests and demos
  views run      <view.json | name> [--format json|ndjson|csv] [--pseudonymise]: a SQL on FHIR view's rows to stdout

configuration is read from the environment: PORT, HOST, PUBLIC_URL, DATABASE_URL, DATA_DIR,
MLLP_PORT, NATS_URL, EPMS_URL, NOTIFY_BASE_URL, NOTIFY_API_KEY, STEP_UP_MAX_AGE_S, PATHWAYS_DEMO,
WORKERS (serve's processes: one per core on PostgreSQL, 1 on the embedded database)`;

function fail(message: string, code = 2): never {
  process.stderr.write(`pathways: ${message}\n`);
  process.exit(code);
}

function config(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(`configuration error: ${error.message}`);
    throw error;
  }
}

async function migrateOnly(): Promise<void> {
  const { migrateDatabase } = await import('./serve.js');
  const applied = await migrateDatabase(config());
  process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
}

async function auditVerify(): Promise<void> {
  const cfg = config();
  const { openDatabase } = await import('./platform/database/database.js');
  const { runAuditVerify } = await import('./platform/audit/verify.js');
  const { deriveAuditKeys, defaultCheckpointFile } = await import('./platform/audit/index.js');
  const { loadSecretKey } = await import('./platform/crypto/secret-box.js');
  const db = await openDatabase({ databaseUrl: cfg.databaseUrl, dataDir: cfg.dataDir, poolSize: 2 });
  let code: number;
  try {
    code = await runAuditVerify(db, (line) => process.stdout.write(`${line}\n`), {
      keys: deriveAuditKeys(loadSecretKey({ dataDir: cfg.dataDir, env: process.env })),
      checkpointFile: defaultCheckpointFile(cfg.dataDir),
    });
  } finally {
    await db.close();
  }
  process.exit(code);
}

/** Runs a command that needs the database (and the secret key) and returns an exit code. */
async function withDatabase(run: (db: Database, cfg: Config) => Promise<number>): Promise<void> {
  const cfg = config();
  const { openDatabase } = await import('./platform/database/database.js');
  const { migrate } = await import('./platform/database/migrate.js');
  const db = await openDatabase({ databaseUrl: cfg.databaseUrl, dataDir: cfg.dataDir, poolSize: 2 });
  let code: number;
  try {
    await migrate(db);
    code = await run(db, cfg);
  } finally {
    await db.close();
  }
  process.exitCode = code;
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: { help: { type: 'boolean', short: 'h' } },
  });
  const [command, sub] = positionals;
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (command === 'serve') return (await import('./serve.js')).serve(config(), fail);
  if (command === 'migrate') return migrateOnly();
  if (command === 'audit' && sub === 'verify') return auditVerify();
  if (command === 'user' && sub === 'add') {
    return withDatabase(async (db, cfg) => {
      const { runUserAdd } = await import('./identity/accounts/user-add.js');
      const { loadSecretKey } = await import('./platform/crypto/secret-box.js');
      return runUserAdd(db, argv.slice(2), loadSecretKey({ dataDir: cfg.dataDir, env: process.env }));
    });
  }
  if (command === 'totp' && !sub) fail('totp needs the base32 secret: pathways totp SECRET');
  if (command === 'totp' && sub) {
    const { currentTotp } = await import('./identity/accounts/totp.js');
    process.stdout.write(`${currentTotp(sub)}\n`);
    return;
  }
  if (command === 'client' && sub === 'add') {
    return withDatabase(async (db) => {
      const { runClientAdd } = await import('./identity/oauth/clients.js');
      return runClientAdd(db, argv.slice(2));
    });
  }
  if (command === 'hl7' && sub === 'send') {
    const { runHl7Send } = await import('./hl7/cli.js');
    process.exitCode = await runHl7Send(argv.slice(2));
    return;
  }
  if (command === 'hl7' && sub === 'replay') {
    // The whole service without its listeners: the processor needs the capabilities' services.
    const cfg = { ...config(), demo: false };
    const log = createLogger({ level: 'warn' });
    const { buildPathways } = await import('./app.js');
    const pathways = await buildPathways(cfg, log);
    try {
      const { runHl7Replay } = await import('./hl7/cli.js');
      process.exitCode = await runHl7Replay(pathways, argv.slice(2));
    } finally {
      await pathways.stop();
    }
    return;
  }
  if (command === 'views' && sub === 'run') {
    return withDatabase(async (db, cfg) => {
      const { runViewsCli } = await import('./analytics/views/views-cli.js');
      const { pseudonymFunction, pseudonymKey } = await import('./analytics/pseudonymise/pseudonym-key.js');
      const { loadSecretKey } = await import('./platform/crypto/secret-box.js');
      return runViewsCli(db, argv.slice(2), {
        write: (chunk) =>
          new Promise((resolve) => {
            if (process.stdout.write(chunk)) resolve();
            else process.stdout.once('drain', resolve);
          }),
        error: (line) => process.stderr.write(`pathways: ${line}\n`),
        pseudonym: () =>
          pseudonymFunction(
            pseudonymKey(process.env, loadSecretKey({ dataDir: cfg.dataDir, env: process.env })),
          ),
      });
    });
  }
  if (command === 'fake-epms') {
    const { runFakeEpms } = await import('./feed/fake-epms/cli.js');
    await runFakeEpms(argv.slice(1));
    return;
  }
  if (command === 'fake-epr') {
    const { runFakeEpr } = await import('./hl7/fake-epr/cli.js');
    await runFakeEpr(argv.slice(1));
    return;
  }
  if (command === 'fake-notify') {
    const { runFakeNotify } = await import('./notifications/fake-notify/cli.js');
    process.exitCode = await runFakeNotify(argv.slice(1));
    return;
  }
  if (command === 'fake-pds') {
    const { runFakePds } = await import('./identity/enrolment/fake-pds/cli.js');
    process.exitCode = await runFakePds(argv.slice(1));
    return;
  }
  fail(`unknown command "${positionals.join(' ')}"\n${USAGE}`);
}

main(process.argv.slice(2)).catch((error: Error) => {
  fail(`${error.message}`, 1);
});
