import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult, type IForbiddenRuleType } from 'dependency-cruiser';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The layer rules of the README's "Where things live", enforced with dependency-cruiser over functions/ (static
 * imports; TypeScript `import type` included except where a rule says otherwise). No engine: this runs in the unit
 * tier too. Every rule is met: none is a ratchet or an allow-list.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ENTRY = '^functions/(?!shared/)[^/]+/[^/]+\\.ts$';

const RULES: IForbiddenRuleType[] = [
  {
    name: 'domain-is-self-contained',
    comment: 'The domain (functions/shared/domain) imports nothing outside itself: no package, no Node module, no other layer.',
    severity: 'error',
    from: { path: '^functions/shared/domain/' },
    to: { pathNot: '^functions/shared/domain/' },
  },
  {
    name: 'use-cases-without-aws-sdk-or-pg',
    comment: 'Use cases reach AWS and PostgreSQL only through ports: no AWS SDK, Powertools or pg import of their own.',
    severity: 'error',
    from: { path: '^functions/shared/use-cases/' },
    to: { path: '(^|/)node_modules/(@aws-sdk/|@smithy/|@aws-lambda-powertools/|pg/|pg-[^/]+/)' },
  },
  {
    name: 'use-cases-without-the-pool',
    comment: 'Use cases get their database from their dependencies, never getPool(): the pool module is theirs only as a type (Queryable).',
    severity: 'error',
    from: { path: '^functions/shared/use-cases/' },
    to: { path: '^functions/shared/db/pool\\.ts$', dependencyTypesNot: ['type-only'] },
  },
  {
    name: 'use-cases-without-adapters',
    comment:
      'Use cases import no adapter (functions/shared/adapters/**, the Abhi client’s DynamoDB adapters): every store is a port in use-cases/ports; type-only imports of shapes load nothing and are allowed.',
    severity: 'error',
    from: { path: '^functions/shared/use-cases/' },
    to: { path: ['^functions/shared/adapters/', '^functions/shared/abhi/dynamodb-adapters\\.ts$'], dependencyTypesNot: ['type-only'] },
  },
  {
    name: 'functions-without-infra',
    comment: 'Nothing in functions/ imports infra/ (the CDK app and the local stand-ins are not Lambda code).',
    severity: 'error',
    from: { path: '^functions/' },
    to: { path: '^infra/' },
  },
  {
    name: 'function-folders-independent',
    comment: 'No function folder imports another function folder.',
    severity: 'error',
    from: { path: '^functions/(?!shared/)([^/]+)/' },
    to: { path: '^functions/(?!shared/)[^/]+/', pathNot: '^functions/$1/' },
  },
  {
    name: 'entries-import-wiring-kits-schemas-use-cases',
    comment:
      'A function entry imports only its wiring (wiring/), the http kit (http/) or the trigger kit (triggers/), the schemas, use cases, observability.ts, Node built-ins, @types/* and a JSON asset of its own folder (ADR 0027).',
    severity: 'error',
    from: { path: '^functions/(?!shared/)([^/]+)/[^/]+\\.ts$' },
    to: {
      dependencyTypesNot: ['core'],
      pathNot: [
        '^functions/shared/(wiring|http|triggers|schemas|use-cases)/',
        '^functions/shared/observability\\.ts$',
        '^functions/$1/[^/]+\\.json$',
        '^node_modules/@types/',
      ],
    },
  },
  {
    name: 'no-circular-imports',
    comment: 'No module of functions/ imports itself back through others.',
    severity: 'error',
    from: { path: '^functions/' },
    to: { circular: true },
  },
];

async function cruiseFunctions(rules: IForbiddenRuleType[], baseDir = ROOT, roots = ['functions']): Promise<ICruiseResult> {
  const { output } = await cruise(
    roots,
    {
      baseDir,
      validate: true,
      ruleSet: { forbidden: rules },
      tsPreCompilationDeps: true,
      doNotFollow: { path: 'node_modules' },
      exclude: { path: '\\.md$' },
      enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
    },
    {},
  );
  return output as ICruiseResult;
}

const violationsOf = (result: ICruiseResult, rule: string) =>
  result.summary.violations.filter((v) => v.rule.name === rule).map((v) => `${v.from} → ${v.to}${v.cycle ? ` (cycle ${v.cycle.map((c) => c.name).join(' → ')})` : ''}`);

describe('layer rules (dependency-cruiser over functions/)', () => {
  let result: ICruiseResult;
  beforeAll(async () => {
    result = await cruiseFunctions(RULES);
  });

  it('every project import resolves (an unresolved one would slip past every rule)', () => {
    const unresolved = result.modules
      .filter((m) => m.source.startsWith('functions/'))
      .flatMap((m) => m.dependencies.filter((d) => d.couldNotResolve && !d.coreModule).map((d) => `${m.source} → ${d.module}`));
    expect(unresolved).toEqual([]);
    expect(result.modules.filter((m) => m.source.startsWith('functions/shared/use-cases/')).length).toBeGreaterThan(20);
  });

  it.each(RULES.map((rule) => [rule.name!, rule.comment!]))('%s: %s', (name) => {
    expect(violationsOf(result, name)).toEqual([]);
  });

  it('every function that has a database and writes audit events registers the audit database in its wiring', () => {
    const graph = new Map(result.modules.map((m) => [m.source, m.dependencies.filter((d) => !d.dependencyTypes.includes('type-only')).map((d) => d.resolved)]));
    const reach = (from: string) => {
      const seen = new Set([from]);
      for (const next of seen) for (const to of graph.get(next) ?? []) seen.add(to);
      return seen;
    };
    const registers = (file: string) => file.startsWith('functions/') && /^registerAuditDatabase\(/m.test(fs.readFileSync(path.join(ROOT, file), 'utf8'));
    const entries = [...graph.keys()].filter((file) => new RegExp(ENTRY).test(file));
    const audited = entries.filter((entry) => {
      const reached = reach(entry);
      return reached.has('functions/shared/db/pool.ts') && (reached.has('functions/shared/http/api-handler.ts') || /\baudit\(/.test(fs.readFileSync(path.join(ROOT, entry), 'utf8')));
    });
    expect(audited.length).toBeGreaterThan(20);
    expect(audited.filter((entry) => ![...reach(entry)].some(registers))).toEqual([]);
  });
});

describe('the layer rules bite (a fixture tree with one violation of each)', () => {
  it('reports the bad domain import, the use case importing the AWS SDK, the pool or an adapter (not their types), functions importing infra/, a cycle and an entry importing an adapter', async () => {
    const fixture = path.join(ROOT, 'test/foundation/fixtures/layers');
    const bad = await cruiseFunctions(RULES, fixture);
    const names = bad.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
    expect(names).toEqual([
      'domain-is-self-contained: functions/shared/domain/rule.ts → functions/shared/use-cases/step.ts',
      // Its wiring is fine (wiring/things.ts builds the same adapter and is not reported); the adapter is not.
      'entries-import-wiring-kits-schemas-use-cases: functions/things/get-thing.ts → functions/shared/adapters/store.ts',
      'functions-without-infra: functions/shared/use-cases/step.ts → infra/stack.ts',
      'no-circular-imports: functions/shared/domain/rule.ts → functions/shared/use-cases/step.ts',
      'use-cases-without-adapters: functions/shared/use-cases/step.ts → functions/shared/adapters/postgres/rows.ts',
      expect.stringMatching(/^use-cases-without-aws-sdk-or-pg: functions\/shared\/use-cases\/step\.ts → .*node_modules\/@aws-sdk\/client-dynamodb\//),
      'use-cases-without-the-pool: functions/shared/use-cases/step.ts → functions/shared/db/pool.ts',
    ]);
  });
});

/**
 * SQL text in a use case: a query call, or a statement's shape in the upper case the adapters write. Use cases reach
 * PostgreSQL only through the stores of use-cases/ports (ADR 0029), whose SQL lives in adapters/postgres.
 */
const SQL_SHAPES = [/\.query\b\s*[<(]/, /\bSELECT\b[^;]{0,200}?\bFROM\b/, /\bINSERT\s+INTO\b/, /\bUPDATE\s+\w+\s+SET\b/, /\bDELETE\s+FROM\b/];

function sqlIn(source: string): string[] {
  return SQL_SHAPES.filter((shape) => shape.test(source)).map(String);
}

describe('use cases hold no SQL (a text scan of functions/shared/use-cases)', () => {
  const files = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));

  it('no use case sends a query or writes a statement: every store is a port', () => {
    const useCases = files(path.join(ROOT, 'functions/shared/use-cases'));
    expect(useCases.length).toBeGreaterThan(20);
    const offenders = useCases.flatMap((file) => sqlIn(fs.readFileSync(file, 'utf8')).map((shape) => `${path.relative(ROOT, file)}: ${shape}`));
    expect(offenders).toEqual([]);
  });

  it('the scan bites: a query call with or without a row type, and each statement shape', () => {
    expect(sqlIn('await deps.db.query(`SELECT 1`, [])')).not.toEqual([]);
    expect(sqlIn('await db.query<{ id: string }>(sql)')).not.toEqual([]);
    expect(sqlIn('const sql = `SELECT id\n  FROM outbox WHERE id = $1`')).not.toEqual([]);
    expect(sqlIn('`INSERT INTO outbox (id) VALUES ($1)`')).not.toEqual([]);
    expect(sqlIn('`UPDATE reconciliation_reports SET status = $2`')).not.toEqual([]);
    expect(sqlIn('`DELETE FROM employees`')).not.toEqual([]);
    expect(sqlIn('await deps.approvalReminders.markDueForReminder(db, 60, 500); // select the due ones')).toEqual([]);
  });
});
