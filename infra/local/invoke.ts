/**
 * `npm run -s invoke -- <entry> [--event <file>]`: runs one function's handler once, in this process, against the
 * running local stack (`npm start` in another terminal), and prints what it returned as JSON on stdout.
 *
 *   npm run -s invoke -- employees/list-employees                  # the sample event from events/ by convention
 *   npm run -s invoke -- events/sqs-notifications.json             # the function that event belongs to
 *   npm run -s invoke -- workflow/decide --event my-event.json     # any event file
 *
 * The environment is the one `npm start` wrote to `.local/stack-env.json` (local endpoints, table and queue names,
 * secret ids), so the handler sees exactly what the local API server's handlers see.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { functionInventory, loadSampleEvents, sampleEventFor, type FunctionSpec } from './function-catalog';
import { fakeLambdaContext } from './lambda-context';
import { resolveLocalhostSubdomains } from './services/sqs-local';
import { loadStackEnv } from './stack-env';

const ROOT = path.resolve(import.meta.dirname, '../..');

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { event: { type: 'string' } } });
  const target = positionals[0];
  if (!target) fail('Usage: npm run -s invoke -- <entry | events/<file>.json> [--event <file>]  (e.g. employees/list-employees)');

  const { functions } = await functionInventory();
  const events = loadSampleEvents();
  let spec: FunctionSpec | undefined;
  let eventFile = values.event;
  if (target.endsWith('.json')) {
    eventFile ??= target;
    const file = `events/${path.basename(target)}`;
    spec = functions.find((f) => sampleEventFor(f, events)?.file === file);
    if (!spec) fail(`No function claims ${target} as its sample event; name the function: npm run -s invoke -- <entry> --event ${target}`);
  } else {
    spec = functions.find((f) => f.entry === target.replace(/^functions\//, '').replace(/\.ts$/, ''));
    if (!spec) fail(`Unknown function "${target}". Functions: ${functions.map((f) => f.entry).join(', ')}`);
  }
  const event = eventFile
    ? JSON.parse(fs.readFileSync(path.resolve(eventFile), 'utf8'))
    : (sampleEventFor(spec, events)?.event ?? fail(`${spec.entry} has no sample event in events/; pass one with --event <file>.`));

  if (!loadStackEnv()) fail('The local stack is not running: start it with `npm start` in another terminal, then invoke again.');
  // The stack's SQS endpoint and queue URLs are `sqs.<region>.localhost` (loopback): resolved as the stack does.
  resolveLocalhostSubdomains();

  // Stdout carries only the result: the handler's logs (Powertools writes to stdout, as in Lambda) go to stderr.
  const writeResult = (text: string) => fs.writeSync(1, text);
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;

  // Imported only now: handlers read their configuration at import.
  const module = (await import(pathToFileURL(path.join(ROOT, 'functions', `${spec.entry}.ts`)).href)) as { handler: (e: unknown, c: unknown) => Promise<unknown> };
  const result = await module.handler(event, fakeLambdaContext(spec.entry.replace(/\//g, '-')));
  writeResult(`${JSON.stringify(result ?? null, null, 2)}\n`);
  // Pools and SDK clients keep sockets open; the invocation is over.
  process.exit(0);
}

await main();
