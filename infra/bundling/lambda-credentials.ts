/**
 * Bundling substitute for the AWS SDK's default credential chain (`@aws-sdk/credential-provider-node`,
 * `@aws-sdk/credential-providers`), aliased in by infra/bundling/options.ts. Lambda always hands a function its role's
 * credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), so the chain's other
 * sources (SSO, INI files, web identity, process, container/IMDS: about 90 KB minified per function) are never reached.
 * Only bundles use this file; local runs and tests resolve the real chain from node_modules.
 */
interface EnvCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

function fromEnvironment(): () => Promise<EnvCredentials> {
  return async () => {
    const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey) {
      throw new Error('AWS credentials are missing from the environment: this bundle reads only AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, as Lambda sets them.');
    }
    const expiry = process.env.AWS_CREDENTIAL_EXPIRATION;
    return {
      accessKeyId,
      secretAccessKey,
      ...(process.env.AWS_SESSION_TOKEN ? { sessionToken: process.env.AWS_SESSION_TOKEN } : {}),
      ...(expiry ? { expiration: new Date(expiry) } : {}),
    };
  };
}

/** What `@aws-sdk/credential-provider-node` exports and the clients' runtime config calls. */
export const defaultProvider = (_init?: unknown) => fromEnvironment();
/** What `@aws-sdk/credential-providers` exports and `@aws-sdk/rds-signer` calls. */
export const fromNodeProviderChain = (_init?: unknown) => fromEnvironment();
export const fromEnv = (_init?: unknown) => fromEnvironment();
