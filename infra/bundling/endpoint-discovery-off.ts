/**
 * Bundled in place of `@aws-sdk/middleware-endpoint-discovery` in every function (infra/bundling/options.ts, ADR
 * 0030). Only the DynamoDB client imports it, for two things: `NODE_ENDPOINT_DISCOVERY_CONFIG_OPTIONS` (its runtime
 * config) and `resolveEndpointDiscoveryConfig` (its constructor), which builds an endpoint cache — the package, with
 * `@aws-sdk/endpoint-cache`, `mnemonist` and `obliterator`, is ~9 KB in each of the 52 functions with DynamoDB.
 * Endpoint discovery is off unless configured (`endpointDiscoveryEnabled` on a client, AWS_ENABLE_ENDPOINT_DISCOVERY
 * or AWS_ENDPOINT_DISCOVERY_ENABLED, `endpoint_discovery_enabled` in a config file; the default is `undefined`), and
 * nothing here configures it. In @aws-sdk/client-dynamodb 3.1164 no command even adds the discovery middleware; the
 * cache is built and never read. This stub resolves the same configuration without the cache, and a client that
 * enables discovery fails loudly instead of running without it. Should a future client import more of the package
 * (the middleware plugins), esbuild fails the build on the missing export. Only bundles use this file; local runs and
 * tests resolve the real package from node_modules.
 */
const ENV_ENDPOINT_DISCOVERY = ['AWS_ENABLE_ENDPOINT_DISCOVERY', 'AWS_ENDPOINT_DISCOVERY_ENABLED'] as const;
const CONFIG_ENDPOINT_DISCOVERY = 'endpoint_discovery_enabled';

function notBundled(): never {
  throw new Error('DynamoDB endpoint discovery is not bundled in this function (infra/bundling/options.ts): do not enable it.');
}

/** The setting as the SDK reads it ("false" and "0" are off, empty is an error), except that "on" fails. */
function off(value: string | undefined, name: string): false {
  if (value === undefined || value === '') throw new Error(`${name} can't be empty or undefined, got "${value}"`);
  if (value !== 'false' && value !== '0') notBundled();
  return false;
}

/** What the DynamoDB client's runtime config passes to `loadConfig` for `endpointDiscoveryEnabledProvider`. */
export const NODE_ENDPOINT_DISCOVERY_CONFIG_OPTIONS = {
  environmentVariableSelector: (env: Record<string, string | undefined>): false | undefined => {
    const key = ENV_ENDPOINT_DISCOVERY.find((name) => name in env);
    return key === undefined ? undefined : off(env[key], `Environment variable ${key}`);
  },
  configFileSelector: (profile: Record<string, string | undefined>): false | undefined =>
    CONFIG_ENDPOINT_DISCOVERY in profile ? off(profile[CONFIG_ENDPOINT_DISCOVERY], `Shared config entry ${CONFIG_ENDPOINT_DISCOVERY}`) : undefined,
  default: undefined,
};

interface EndpointDiscoveryInput {
  endpointCacheSize?: number;
  endpointDiscoveryEnabled?: boolean;
  endpointDiscoveryEnabledProvider: () => Promise<boolean | undefined>;
}

/**
 * What the DynamoDB client's constructor calls: the real one's result without `endpointCache`. Enabling discovery
 * on the client or in the environment (read here, at construction: nothing asks the provider) throws.
 */
export function resolveEndpointDiscoveryConfig<T extends EndpointDiscoveryInput>(input: T, { endpointDiscoveryCommandCtor }: { endpointDiscoveryCommandCtor: unknown }) {
  const { endpointDiscoveryEnabled, endpointDiscoveryEnabledProvider } = input;
  if (endpointDiscoveryEnabled) notBundled();
  const fromEnv = ENV_ENDPOINT_DISCOVERY.find((name) => name in process.env);
  if (endpointDiscoveryEnabled === undefined && fromEnv && !['', 'false', '0'].includes(process.env[fromEnv]!)) notBundled();
  return Object.assign(input, {
    endpointDiscoveryCommandCtor,
    endpointDiscoveryEnabled: endpointDiscoveryEnabled !== undefined ? () => Promise.resolve(endpointDiscoveryEnabled) : endpointDiscoveryEnabledProvider,
    isClientEndpointDiscoveryEnabled: endpointDiscoveryEnabled !== undefined,
  });
}
