import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import { TABLES } from '../../../functions/shared/adapters/dynamodb/tables.ts';
import { freePort, waitFor, assertPortFree } from '../ports.ts';
import { LOCAL_AWS } from './aws-local.ts';

/**
 * AWS's own DynamoDB Local (the jar shipped inside the `amplify-dynamodb-simulator` npm package), started with the
 * local Java runtime, in memory, on 127.0.0.1 only (LoopbackDynamoDbLocal; ADR 0021), without telemetry. Its JS
 * launcher is broken, so the jar is started directly.
 */
export interface DynamoDbLocal {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export async function startDynamoDbLocal(options: { port?: number } = {}): Promise<DynamoDbLocal> {
  assertJava();
  const port = options.port ?? (await freePort());
  if (options.port) await assertPortFree(port, 'DYNAMODB_PORT');
  const simulatorDir = path.dirname(createRequire(import.meta.url).resolve('amplify-dynamodb-simulator/package.json'));
  const emulatorDir = path.join(simulatorDir, 'emulator');
  const launcher = loopbackLauncher(simulatorDir);
  if (!launcher) warnAllInterfacesOnce();
  const child = spawn(
    'java',
    [
      '-Xmx512m',
      '-Djava.library.path=./DynamoDBLocal_lib',
      ...(launcher
        ? ['-cp', `${launcher}${path.delimiter}DynamoDBLocal.jar`, 'LoopbackDynamoDbLocal', String(port)]
        : ['-jar', 'DynamoDBLocal.jar', '-inMemory', '-sharedDb', '-disableTelemetry', '-port', String(port)]),
    ],
    { cwd: emulatorDir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, ...LOCAL_AWS });
  try {
    await waitFor('DynamoDB Local', async () => {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${stderr.slice(-500)}`);
      await client.send(new ListTablesCommand({}));
    });
  } finally {
    client.destroy();
  }
  return { endpoint, stop: () => stopChild(child) };
}

/** Creates the project's tables (see tables.ts) with the given name prefix; returns the physical names. */
export async function createTables(endpoint: string, prefix: string): Promise<{ stateTable: string; idempotencyTable: string }> {
  const client = new DynamoDBClient({ endpoint, ...LOCAL_AWS });
  const names: Record<string, string> = {};
  try {
    const existing = new Set((await client.send(new ListTablesCommand({}))).TableNames ?? []);
    for (const table of TABLES) {
      const name = `${prefix}-${table.logicalName}`;
      names[table.logicalName] = name;
      if (existing.has(name)) continue;
      const keySchema: KeySchemaElement[] = [{ AttributeName: table.partitionKey, KeyType: 'HASH' }];
      const attributes: AttributeDefinition[] = [{ AttributeName: table.partitionKey, AttributeType: 'S' }];
      if (table.sortKey) {
        keySchema.push({ AttributeName: table.sortKey, KeyType: 'RANGE' });
        attributes.push({ AttributeName: table.sortKey, AttributeType: 'S' });
      }
      await client.send(
        new CreateTableCommand({ TableName: name, KeySchema: keySchema, AttributeDefinitions: attributes, BillingMode: 'PAY_PER_REQUEST' }),
      );
      await client.send(
        new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true } }),
      );
    }
  } finally {
    client.destroy();
  }
  return { stateTable: names.state!, idempotencyTable: names.idempotency! };
}

const LAUNCHER_SOURCE = path.join(import.meta.dirname, 'dynamodb-loopback', 'LoopbackDynamoDbLocal.java');

/**
 * The directory holding LoopbackDynamoDbLocal.class (DynamoDB Local on 127.0.0.1 only, see the .java file), compiled
 * with the JDK's javac on first use into node_modules/.cache, keyed by the source and the jar; undefined without javac.
 * Compiled into a directory of its own, then renamed into place: parallel starts never see half a class.
 */
function loopbackLauncher(simulatorDir: string): string | undefined {
  const jar = path.join(simulatorDir, 'emulator', 'DynamoDBLocal.jar');
  const key = createHash('sha256').update(fs.readFileSync(LAUNCHER_SOURCE)).update(String(fs.statSync(jar).size)).digest('hex').slice(0, 16);
  const dir = path.join(simulatorDir, '..', '.cache', 'abhi-ewa', `dynamodb-loopback-${key}`);
  if (fs.existsSync(path.join(dir, 'LoopbackDynamoDbLocal.class'))) return dir;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const building = fs.mkdtempSync(`${dir}-`);
  try {
    const javac = spawnSync('javac', ['-nowarn', '-d', building, '-cp', jar, LAUNCHER_SOURCE], { encoding: 'utf8' });
    if (javac.error || javac.status !== 0) return undefined;
    try {
      fs.renameSync(building, dir);
    } catch {
      // Another start put it in place meanwhile.
    }
    return dir;
  } finally {
    fs.rmSync(building, { recursive: true, force: true });
  }
}

let warned = false;
function warnAllInterfacesOnce(): void {
  if (warned) return;
  warned = true;
  process.stderr.write('DynamoDB Local listens on every interface: install a Java 17+ JDK (`apt-get install openjdk-17-jdk-headless`) so its loopback launcher can be compiled.\n');
}

function assertJava(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error('Java was not found: install a Java 17+ JDK (e.g. `apt-get install openjdk-17-jdk-headless`) so DynamoDB Local can run.');
  }
  const match = /version "(\d+)/.exec(probe.stderr);
  if (match && Number(match[1]) < 17) {
    throw new Error(`Java ${match[1]} is too old for DynamoDB Local: install a Java 17+ runtime and put it first on PATH.`);
  }
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
