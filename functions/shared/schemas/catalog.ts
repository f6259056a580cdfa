import type * as z from '#shared/zod';

/**
 * The named schemas of one domain. A name is what the route table writes for a route's request and responses, what
 * `apiHandler` looks up to validate a request, and the component name in the OpenAPI document
 * (`#/components/schemas/<name>`), so the three cannot disagree (ADR 0026). Names are PascalCase and unique across
 * domains (the document builder refuses a clash).
 */
export class SchemaCatalog<C extends Readonly<Record<string, z.core.$ZodType>>> {
  constructor(readonly schemas: C) {}

  /** The schema of a name, or a start-time error naming the catalogue to add it to. */
  resolve(name: string, routeId: string): z.core.$ZodType {
    const schema = (this.schemas as Record<string, z.core.$ZodType>)[name];
    if (!schema) throw new Error(`Route ${routeId} names schema "${name}", which the handler's catalogue does not hold: add it to the catalogue of its domain in functions/shared/schemas/.`);
    return schema;
  }
}

export function named<const C extends Readonly<Record<string, z.core.$ZodType>>>(schemas: C): SchemaCatalog<C> {
  return new SchemaCatalog(schemas);
}

/** The catalogue of a route that takes no body, query string or path parameters (probes, documents). */
export const NO_REQUESTS = named({});

const built = new WeakMap<() => unknown, unknown>();

/**
 * What `build` returns, built on the first call only. Each domain builds its answer catalogue this way: zod's
 * constructors are calls esbuild cannot prove pure, so answers built at module scope were bundled and built at import
 * by every function validating that domain's requests; a builder nothing calls is dropped from the bundle.
 */
export function builtOnce<T>(build: () => T): T {
  if (!built.has(build)) built.set(build, build());
  return built.get(build) as T;
}
