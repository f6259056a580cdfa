import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
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
 * local Java runtime, in memory. Its JS launcher is broken, so the jar is started directly.
 */
export interface DynamoDbLocal {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export async function startDynamoDbLocal(options: { port?: number } = {}): Promise<DynamoDbLocal> {
  assertJava();
  const port = options.port ?? (await freePort());
  if (options.port) await assertPortFree(port, 'DYNAMODB_PORT');
  const emulatorDir = path.join(path.dirname(createRequire(import.meta.url).resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
  const child = spawn(
    'java',
    ['-Xmx512m', '-Djava.library.path=./DynamoDBLocal_lib', '-jar', 'DynamoDBLocal.jar', '-inMemory', '-sharedDb', '-port', String(port)],
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

function assertJava(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error('Java was not found: install a Java 17+ runtime (e.g. `apt-get install openjdk-17-jre-headless`) so DynamoDB Local can run.');
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
