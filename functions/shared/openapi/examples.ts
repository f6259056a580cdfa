/**
 * An example value for a JSON schema, built from the schemas' own `example`s (field by field) and, where a field has
 * none, from its format, enum or bounds. Every operation of the document carries one; a test parses each with the
 * route's zod schema, so an example that drifts from its schema fails there, not in an integrator's hands.
 */
export type JsonSchema = { [key: string]: unknown };

const COMPONENT = '#/components/schemas/';

const FORMATS: Record<string, string> = {
  'date-time': '2025-01-31T08:15:00.000Z',
  date: '2025-01-31',
  email: 'fatima.ali@example.com',
  uuid: '3f0c6a52-8d7e-4a4e-9d0a-6f1b2c3d4e5f',
  uri: 'https://abhi-ewa.example/',
};

export function exampleOf(schema: JsonSchema, components: Record<string, JsonSchema>, depth = 0): unknown {
  if (depth > 12) return undefined;
  const ref = schema.$ref;
  if (typeof ref === 'string' && ref.startsWith(COMPONENT)) return exampleOf(components[ref.slice(COMPONENT.length)] ?? {}, components, depth + 1);
  if ('example' in schema) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if ('default' in schema) return schema.default;
  // A union; an object's anyOf/oneOf only says which of its properties must be present, which `properties` covers.
  for (const key of schema.properties ? [] : (['anyOf', 'oneOf'] as const)) {
    const branches = schema[key];
    if (Array.isArray(branches)) {
      const branch = (branches as JsonSchema[]).find((b) => b.type !== 'null') ?? branches[0];
      return exampleOf(branch as JsonSchema, components, depth + 1);
    }
  }
  if (Array.isArray(schema.allOf)) {
    return Object.assign({}, ...(schema.allOf as JsonSchema[]).map((part) => exampleOf(part, components, depth + 1)));
  }
  const type = Array.isArray(schema.type) ? (schema.type as string[]).find((t) => t !== 'null') : (schema.type as string | undefined);
  switch (type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const result: Record<string, unknown> = {};
      for (const [name, property] of Object.entries(properties)) {
        const value = exampleOf(property, components, depth + 1);
        if (value !== undefined) result[name] = value;
      }
      return result;
    }
    case 'array': {
      const item = exampleOf((schema.items ?? {}) as JsonSchema, components, depth + 1);
      return item === undefined ? [] : [item];
    }
    case 'string': {
      const format = FORMATS[schema.format as string];
      if (format) return format;
      const min = typeof schema.minLength === 'number' ? schema.minLength : 1;
      return 'example'.padEnd(min, 'x');
    }
    case 'integer':
    case 'number': {
      if (typeof schema.minimum === 'number') return schema.minimum;
      if (typeof schema.exclusiveMinimum === 'number') return schema.exclusiveMinimum + 1;
      return type === 'integer' ? 1 : 100;
    }
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return undefined;
  }
}
