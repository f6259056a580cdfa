/**
 * Per-stage configuration of the CDK app (`--context stage=dev|uat|prod`).
 *
 * Everything that differs between stages lives here; constructs read it and never branch on the stage name
 * themselves. Values an operator must supply (the identity provider, the alarm e-mail) come from CDK context
 * (`--context oidcIssuer=... --context alarmEmail=...`, or the `context` block of cdk.json). A stage that needs a value
 * it does not get stops synthesis with one sentence naming the value and how to pass it.
 *
 * No runtime imports beyond the claim-mapping module (itself import-free): the app, the tests and the docs generator
 * load this file.
 */
import type { RateLimitClass } from '../../functions/shared/routes';
import { ClaimMappingError, parseClaimMapping, type ClaimMappingSpec } from '../../functions/shared/auth/claim-mapping';

export const STAGE_NAMES = ['dev', 'uat', 'prod'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

export const APP_NAME = 'abhi-ewa';

/** A revoked token is refused within this many seconds whatever API Gateway caches (ADR 0015). */
export const REVOCATION_WINDOW_SECONDS = 5;

/** `oidc`: an external provider named by `oidcIssuer` (Keycloak, Entra ID, Auth0...); `cognito`: a user pool of the stack. */
export const IDENTITY_PROVIDERS = ['oidc', 'cognito'] as const;
export type IdentityProviderKind = (typeof IDENTITY_PROVIDERS)[number];

/** Namespace of the custom (EMF) metrics the functions publish through Powertools Metrics. */
export const METRICS_NAMESPACE = 'AbhiEwa';

export interface ThrottleSettings {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Token-bucket burst. */
  readonly burstLimit: number;
}

export interface FunctionSizing {
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
}

export interface StageConfig {
  readonly stage: StageName;
  /** `abhi-ewa-<stage>`: prefix of every physical name (functions, tables, log groups, alarms). */
  readonly prefix: string;
  /**
   * Deployment target: always a region (me-central-1 unless `--context region=`), so UAE data residency never depends
   * on the shell; the account from `--context account=`, else CDK_DEFAULT_ACCOUNT (the CLI's profile), else unset.
   */
  readonly env: { readonly account?: string; readonly region: string };
  /** POWERTOOLS_SERVICE_NAME of every function and the `service` dimension of the custom metrics. */
  readonly serviceName: string;
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN';
  /** Keep data on stack deletion (tables, database, secrets, keys, log groups). */
  readonly retainData: boolean;
  /**
   * Days a deleted employee's personal data is kept before the scheduled erasure job empties or pseudonymises it (UAE
   * PDPL: no longer than the purpose needs; prod keeps it for disputes and the employer's payroll corrections). The
   * ledger's amounts are kept whatever this says. Backups hold erased data until they expire (`backupRetentionDays`).
   */
  readonly personalDataRetentionDays: number;

  readonly abhi: {
    readonly baseUrl: string;
    readonly signingEnabled: boolean;
    /**
     * Fleet-wide token bucket towards Abhi (env ABHI_RATE_LIMIT_RPS / ABHI_RATE_LIMIT_BURST). Derived from the limit
     * Abhi publishes for our API user (10 rps, burst 20): the same rate, and the burst less rate × 500 ms of slack
     * in Abhi's bucket for arrival jitter, so that a call our bucket admits is never answered 429 (10 rps, burst 15;
     * `fleetRateLimit()` in functions/shared/abhi/fleet-limit.ts, the functions' default). It costs 5 calls once
     * after an idle period, not throughput. If Abhi grants another limit, set both from `fleetRateLimit(granted)`.
     */
    readonly rateLimitRps: number;
    readonly rateLimitBurst: number;
    /** Per-call timeout towards Abhi; below the API functions' timeout so a slow Abhi surfaces as 504, not a Lambda timeout. */
    readonly timeoutMs: number;
  };

  /** Who issues the access tokens; `cognito` makes the stack create the user pool and ignore `oidc.issuer`/`jwksUrl`. */
  readonly identityProvider: IdentityProviderKind;

  readonly oidc: {
    readonly issuer: string;
    readonly audience: string;
    readonly jwksUrl: string;
    /** Where the provider puts roles, organization, employee and MFA (functions/shared/auth/claim-mapping.ts). */
    readonly claims: ClaimMappingSpec;
    /** Clients accepted in `azp` when `aud` is only Keycloak's default `account`. */
    readonly clientIds: readonly string[];
  };

  /**
   * User provisioning (the `user-provisioning` queue and its consumer): off unless `--context userProvisioning=` says
   * which directory to keep in step with employees and organization admins.
   */
  readonly userProvisioning?: UserProvisioning;

  /** Browser origins allowed by CORS; empty means no browser access (no preflight methods are created). */
  readonly corsAllowedOrigins: readonly string[];

  /** Per-principal limits enforced inside the functions (DynamoDB token buckets), per route class. */
  readonly principalRateLimits: Record<Exclude<RateLimitClass, 'none'>, { readonly rps: number; readonly burst: number }>;

  readonly api: {
    /** Stage-wide API Gateway throttling. */
    readonly stageThrottle: ThrottleSettings;
    /** Per-method API Gateway throttling by route class (the route table's `rateLimitClass`). */
    readonly methodThrottle: Record<RateLimitClass, ThrottleSettings>;
    /** WAF rate-based rule: requests per client IP per 5 minutes before blocking. */
    readonly wafRequestsPer5MinPerIp: number;
    /**
     * Lambda authorizer result cache (keyed on the Authorization header). Below REVOCATION_WINDOW_SECONDS: the
     * authorizer checks revocation, so a cached allow must expire before a revoked token's grace is over.
     */
    readonly authorizerCacheTtlSeconds: number;
  };

  readonly functions: {
    readonly api: FunctionSizing;
    readonly authorizer: FunctionSizing;
    /** Queue consumers: memory here, timeout per queue from topology.ts. */
    readonly consumerMemoryMb: number;
    readonly scheduled: FunctionSizing;
    /** The reconciliation run compares the whole ledger, so it gets the maximum Lambda timeout. */
    readonly reconciliationTimeoutSeconds: number;
    readonly migrations: FunctionSizing;
    readonly logRetentionDays: 7 | 14 | 30 | 90 | 365;
    /** Reserved concurrency of the authorizer, so a flood of bad tokens cannot starve the account (unset = unreserved). */
    readonly authorizerReservedConcurrency?: number;
  };

  readonly database: {
    readonly name: string;
    /** Database role the functions log in as through RDS Proxy with IAM authentication. */
    readonly appUser: string;
    readonly minCapacityAcu: number;
    readonly maxCapacityAcu: number;
    /** Aurora Serverless v2 readers in other AZs (failover targets); 0 in non-production stages. */
    readonly readers: number;
    readonly deletionProtection: boolean;
    readonly backupRetentionDays: number;
    /** Cluster port (the proxy always listens on 5432). */
    readonly port: number;
  };

  readonly network: {
    readonly maxAzs: number;
    /** NAT gateways for the Abhi egress of in-VPC functions: one per AZ in production, one otherwise. */
    readonly natGateways: number;
  };

  // ---- First deploy (issue #19, ADR 0013/0014): delivery, endpoint, residency. Other blocks above are unchanged. ----
  readonly deploy: DeploySettings;

  readonly alarms: {
    readonly email?: string;
    readonly api5xxRatePercent: number;
    readonly apiP99LatencyMs: number;
    readonly queueOldestMessageSeconds: number;
    readonly queueBacklogMessages: number;
    /** Lambda errors per function in 5 minutes before alarming. */
    readonly lambdaErrorsPer5Min: number;
    readonly lambdaThrottlesPer5Min: number;
    readonly abhiRateLimitedPer5Min: number;
    readonly abhiServerErrorsPer5Min: number;
    readonly abhiLoginFailuresPer5Min: number;
    readonly reconciliationMismatches: number;
    readonly auroraCpuPercent: number;
    /** Percentage of max_connections (derived from the maximum ACU) before alarming. */
    readonly auroraConnectionsPercent: number;
    readonly auroraAcuUtilizationPercent: number;
    // ---- issue #19: alarms that page for real failures ----
    /** Duration p99 at or above this share of the function's timeout alarms (per domain). */
    readonly durationP99PercentOfTimeout: number;
    /** Lambda concurrency quota of the account in the region (Service Quotas; new accounts may start lower). */
    readonly accountConcurrencyLimit: number;
    readonly accountConcurrencyPercent: number;
    readonly dynamoDbThrottledPer5Min: number;
    readonly dynamoDbSystemErrorsPer5Min: number;
    /** Aurora FreeableMemory below this many MiB. */
    readonly auroraFreeableMemoryMib: number;
    /** RDS Proxy: average borrow latency in microseconds. */
    readonly proxyBorrowLatencyMicros: number;
    readonly proxyConnectionsPercent: number;
    /** WAF blocked requests in 5 minutes (a spike: an attack or a partner hitting the per-IP rule). */
    readonly wafBlockedPer5Min: number;
  };
}

function resolveUserProvisioning(
  text: (key: string) => string | undefined,
  required: (key: string, what: string) => string,
  identityProvider: IdentityProviderKind,
  stage: StageName,
): UserProvisioning | undefined {
  const kind = text(CONTEXT_KEYS.userProvisioning);
  if (kind === undefined || kind === 'off') return undefined;
  if (!(USER_PROVISIONING_KINDS as readonly string[]).includes(kind)) {
    throw new StageConfigError(`Unknown context ${CONTEXT_KEYS.userProvisioning} "${kind}": pass --context userProvisioning=keycloak or cognito, or leave it out.`);
  }
  if (kind === 'cognito') {
    if (identityProvider !== 'cognito') {
      throw new StageConfigError(`Context ${CONTEXT_KEYS.userProvisioning}=cognito provisions the stack's own user pool: pass --context identityProvider=cognito too.`);
    }
    return { kind: 'cognito' };
  }
  return {
    kind: 'keycloak',
    baseUrl: httpsUrl(required(CONTEXT_KEYS.keycloakAdminUrl, "Keycloak's base URL for provisioning"), CONTEXT_KEYS.keycloakAdminUrl, stage),
    realm: text(CONTEXT_KEYS.keycloakRealm) ?? 'abhi-microservices',
    clientId: required(CONTEXT_KEYS.keycloakProvisioningClientId, 'the Keycloak client that provisions users'),
    secretName: required(CONTEXT_KEYS.keycloakProvisioningSecretName, 'the Secrets Manager secret with that client\'s {"clientSecret"}'),
  };
}

/** Settings of a real deployment (issue #19); docs/operations.md lists every context key. */
export interface DeploySettings {
  /** Alarm subscribers (topic `<prefix>-alarms`): at least one in prod. */
  readonly alarmEmail?: string;
  readonly alarmHttpsUrl?: string;
  /** Optional custom domain of the API (name + ACM certificate ARN in the stack's region); disables execute-api. */
  readonly apiDomain?: { readonly name: string; readonly certificateArn: string };
  /** Partner backends (CIDRs) exempt from the WAF per-IP rate rule; API Gateway throttling still applies to them. */
  readonly wafExemptCidrs: readonly string[];
  /** Redacted from WAF logs: they carry bearer tokens and session cookies. */
  readonly wafRedactedHeaders: readonly string[];
  /** E-mail notifications through SES from this verified identity (address or domain); unset = recorded only. */
  readonly sesFromAddress?: string;
  /** Region of the SES identity: the stack's unless context `sesRegion` names another (ADR 0013: residency trade-off). */
  readonly sesRegion: string;
  /** SMS notifications through SNS (direct publish to phone numbers); false = recorded only. */
  readonly smsEnabled: boolean;
  /** RDS Proxy in front of Aurora (prod); without it functions connect to the writer with IAM auth (ADR 0014). */
  readonly rdsProxy: boolean;
  /** Aurora Serverless v2 pauses at 0 ACU after this idle time (needs no proxy); undefined = never pauses. */
  readonly databaseAutoPauseMinutes?: number;
  /**
   * Egress of in-VPC functions (Abhi, AWS APIs) through one small NAT instance instead of NAT gateways: ~$8 rather
   * than ~$40 a month idle, at the price of a single instance (dev, uat). Undefined = managed NAT gateways (prod).
   */
  readonly natInstanceType?: string;
  /**
   * Schedule expressions that differ from topology.ts in this stage. dev/uat run the schedules that touch the database
   * (outbox sweep, advance status poll, approval reminders) hourly: every minute, Aurora would never pause (ADR 0014).
   */
  readonly scheduleOverrides: Readonly<Record<string, string>>;
}

/** Thrown when the context lacks a value a stage requires; the message is one sentence that says how to fix it. */
export class StageConfigError extends Error {
  override readonly name = 'StageConfigError';
}

export const ABHI_BASE_URLS = {
  uat: 'https://api-uat-v2.abhi.ae/uat-open-api',
  production: 'https://api.abhi.ae/open-api',
} as const;

export const USER_PROVISIONING_KINDS = ['keycloak', 'cognito'] as const;

export type UserProvisioning =
  | { readonly kind: 'cognito' }
  | {
      readonly kind: 'keycloak';
      /** Keycloak's base URL (the Admin REST API is under `/admin/realms/<realm>`). */
      readonly baseUrl: string;
      readonly realm: string;
      /** Confidential client whose service account may manage users (realm-management manage-users, view-realm). */
      readonly clientId: string;
      /** Secrets Manager secret (name) holding `{"clientSecret": "..."}`; created by the operator, never in the repo. */
      readonly secretName: string;
    };

/** The queues a stage creates: a queue that is `optIn` exists only where its feature is configured. */
export function stageQueues<Q extends { readonly optIn?: 'userProvisioning' }>(config: Pick<StageConfig, 'userProvisioning'>, queues: readonly Q[]): Q[] {
  return queues.filter((queue) => !queue.optIn || config[queue.optIn] !== undefined);
}

/** Reads a CDK context value (`app.node.tryGetContext`), or undefined. */
export type ContextReader = (key: string) => unknown;

/** Context keys the app reads; listed so docs and error messages stay in step. */
export const CONTEXT_KEYS = {
  stage: 'stage',
  account: 'account',
  region: 'region',
  oidcIssuer: 'oidcIssuer',
  oidcAudience: 'oidcAudience',
  oidcJwksUrl: 'oidcJwksUrl',
  oidcClientIds: 'oidcClientIds',
  claimMapping: 'claimMapping',
  identityProvider: 'identityProvider',
  alarmEmail: 'alarmEmail',
  alarmHttpsUrl: 'alarmHttpsUrl',
  apiDomainName: 'apiDomainName',
  apiCertificateArn: 'apiCertificateArn',
  wafExemptCidrs: 'wafExemptCidrs',
  sesFromAddress: 'sesFromAddress',
  sesRegion: 'sesRegion',
  smsEnabled: 'smsEnabled',
  corsOrigins: 'corsOrigins',
  abhiBaseUrl: 'abhiBaseUrl',
  abhiSigning: 'abhiSigningEnabled',
  bundling: 'bundling',
  userProvisioning: 'userProvisioning',
  keycloakAdminUrl: 'keycloakAdminUrl',
  keycloakRealm: 'keycloakRealm',
  keycloakProvisioningClientId: 'keycloakProvisioningClientId',
  keycloakProvisioningSecretName: 'keycloakProvisioningSecretName',
} as const;

const DEFAULT_REGION = 'me-central-1';

export function resolveStageConfig(read: ContextReader): StageConfig {
  const text = (key: string): string | undefined => {
    const value = read(key);
    if (value === undefined || value === null) return undefined;
    const s = String(value).trim();
    return s === '' ? undefined : s;
  };

  const stageText = text(CONTEXT_KEYS.stage) ?? 'dev';
  if (!(STAGE_NAMES as readonly string[]).includes(stageText)) {
    throw new StageConfigError(`Unknown stage "${stageText}": pass --context stage=dev, uat or prod.`);
  }
  const stage = stageText as StageName;
  const prefix = `${APP_NAME}-${stage}`;
  const production = stage === 'prod';
  const shared = stage !== 'dev';

  const required = (key: string, what: string): string => {
    const value = text(key);
    if (!value) throw new StageConfigError(`Stage ${stage} needs ${what}: pass --context ${key}=<value> to cdk synth/deploy.`);
    return value;
  };

  const providerText = text(CONTEXT_KEYS.identityProvider) ?? 'oidc';
  if (!(IDENTITY_PROVIDERS as readonly string[]).includes(providerText)) {
    throw new StageConfigError(`Unknown context ${CONTEXT_KEYS.identityProvider} "${providerText}": pass --context identityProvider=oidc or cognito.`);
  }
  const identityProvider = providerText as IdentityProviderKind;
  const cognito = identityProvider === 'cognito';
  const claims = claimMapping(read(CONTEXT_KEYS.claimMapping) ?? (cognito ? 'cognito' : 'generic'), stage);
  if (cognito && claims.preset !== 'cognito') {
    throw new StageConfigError(`Context ${CONTEXT_KEYS.claimMapping} for stage ${stage} must use the cognito preset with identityProvider=cognito (it names "${claims.preset}").`);
  }

  // dev may run with placeholders that can never validate a real token (".invalid" is reserved, RFC 2606). With
  // Cognito the stack knows the issuer itself.
  const issuer =
    shared && !cognito
      ? httpsUrl(required(CONTEXT_KEYS.oidcIssuer, 'the OIDC issuer URL (the iss claim of your identity provider)'), CONTEXT_KEYS.oidcIssuer, stage)
      : httpsUrl(text(CONTEXT_KEYS.oidcIssuer) ?? 'https://issuer.dev.invalid/', CONTEXT_KEYS.oidcIssuer, stage);
  // Keycloak publishes its keys at <iss>/protocol/openid-connect/certs; most others at <iss>/.well-known/jwks.json.
  const jwksPath = claims.preset === 'keycloak' ? '/protocol/openid-connect/certs' : '/.well-known/jwks.json';
  const jwksUrl = httpsUrl(text(CONTEXT_KEYS.oidcJwksUrl) ?? `${issuer.replace(/\/+$/, '')}${jwksPath}`, CONTEXT_KEYS.oidcJwksUrl, stage);
  const clientIds = (text(CONTEXT_KEYS.oidcClientIds) ?? '').split(',').map((c) => c.trim()).filter(Boolean);

  const alarmEmail = text(CONTEXT_KEYS.alarmEmail) !== undefined ? email(text(CONTEXT_KEYS.alarmEmail)!, stage) : undefined;
  const alarmHttpsUrl = text(CONTEXT_KEYS.alarmHttpsUrl) !== undefined ? httpsUrl(text(CONTEXT_KEYS.alarmHttpsUrl)!, CONTEXT_KEYS.alarmHttpsUrl, stage) : undefined;
  if (production && !alarmEmail && !alarmHttpsUrl) {
    throw new StageConfigError(
      `Stage ${stage} needs an alarm subscriber: pass --context ${CONTEXT_KEYS.alarmEmail}=<address> and/or --context ${CONTEXT_KEYS.alarmHttpsUrl}=<https URL> to cdk synth/deploy.`,
    );
  }

  const corsText = text(CONTEXT_KEYS.corsOrigins);
  const corsAllowedOrigins = corsText
    ? corsText.split(',').map((o) => o.trim()).filter(Boolean).map((o) => origin(o, stage))
    : stage === 'dev'
      ? ['http://localhost:3000']
      : [];

  if (cognito && corsAllowedOrigins.length === 0) {
    throw new StageConfigError(`Stage ${stage} with identityProvider=cognito needs the web app's origin for the login redirect: pass --context corsOrigins=https://app.example.com.`);
  }

  const abhiBaseUrl = httpsUrl(text(CONTEXT_KEYS.abhiBaseUrl) ?? (production ? ABHI_BASE_URLS.production : ABHI_BASE_URLS.uat), CONTEXT_KEYS.abhiBaseUrl, stage);
  const signingText = text(CONTEXT_KEYS.abhiSigning);
  if (signingText !== undefined && !['true', 'false'].includes(signingText)) {
    throw new StageConfigError(`Context ${CONTEXT_KEYS.abhiSigning} must be true or false, not "${signingText}".`);
  }

  const userProvisioning = resolveUserProvisioning(text, required, identityProvider, stage);

  const apiSizing: FunctionSizing = { memoryMb: 512, timeoutSeconds: 20 };

  return {
    stage,
    prefix,
    env: { account: text(CONTEXT_KEYS.account) ?? nonEmpty(process.env.CDK_DEFAULT_ACCOUNT), region: text(CONTEXT_KEYS.region) ?? DEFAULT_REGION },
    serviceName: prefix,
    logLevel: stage === 'dev' ? 'DEBUG' : 'INFO',
    retainData: shared,
    personalDataRetentionDays: production ? 90 : shared ? 30 : 7,
    abhi: {
      baseUrl: abhiBaseUrl,
      // Request signing is opt-in at Abhi (SDK default off); turn it on per stage once Abhi confirms it.
      signingEnabled: signingText === 'true',
      rateLimitRps: 10,
      rateLimitBurst: 15,
      timeoutMs: 10_000,
    },
    identityProvider,
    oidc: {
      issuer,
      audience: text(CONTEXT_KEYS.oidcAudience) ?? 'abhi-ewa-api',
      jwksUrl,
      claims,
      clientIds,
    },
    ...(userProvisioning ? { userProvisioning } : {}),
    corsAllowedOrigins,
    principalRateLimits: {
      read: { rps: 20, burst: 40 },
      write: { rps: 5, burst: 10 },
      advance: { rps: 1, burst: 2 },
    },
    api: {
      stageThrottle: production ? { rateLimit: 500, burstLimit: 1000 } : { rateLimit: 100, burstLimit: 200 },
      methodThrottle: {
        none: { rateLimit: 50, burstLimit: 100 },
        read: production ? { rateLimit: 300, burstLimit: 600 } : { rateLimit: 60, burstLimit: 120 },
        write: production ? { rateLimit: 100, burstLimit: 200 } : { rateLimit: 20, burstLimit: 40 },
        // Advances move money at Abhi, whose own limit is about 10 rps for the whole fleet.
        advance: { rateLimit: 10, burstLimit: 20 },
      },
      wafRequestsPer5MinPerIp: production ? 2000 : 1000,
      // Short enough that a revocation (checked by the authorizer) wins within REVOCATION_WINDOW_SECONDS; long enough
      // that the calls of one page load share one authorizer run.
      authorizerCacheTtlSeconds: 3,
    },
    functions: {
      api: apiSizing,
      authorizer: { memoryMb: 256, timeoutSeconds: 5 },
      consumerMemoryMb: 512,
      scheduled: { memoryMb: 512, timeoutSeconds: 120 },
      reconciliationTimeoutSeconds: 900,
      migrations: { memoryMb: 512, timeoutSeconds: 300 },
      logRetentionDays: production ? 90 : shared ? 30 : 14,
      authorizerReservedConcurrency: undefined,
    },
    database: {
      name: 'abhi',
      appUser: 'abhi_app',
      minCapacityAcu: production ? 1 : 0.5,
      maxCapacityAcu: production ? 16 : 4,
      readers: production ? 1 : 0,
      deletionProtection: shared,
      backupRetentionDays: 30,
      port: 5432,
    },
    network: { maxAzs: 2, natGateways: production ? 2 : 1 },
    deploy: deploySettings(text, stage, { alarmEmail, alarmHttpsUrl }, text(CONTEXT_KEYS.region) ?? DEFAULT_REGION),
    alarms: {
      email: alarmEmail,
      api5xxRatePercent: 1,
      apiP99LatencyMs: 2000,
      queueOldestMessageSeconds: 300,
      queueBacklogMessages: 1000,
      lambdaErrorsPer5Min: production ? 5 : 1,
      lambdaThrottlesPer5Min: 1,
      abhiRateLimitedPer5Min: 5,
      abhiServerErrorsPer5Min: 5,
      abhiLoginFailuresPer5Min: 1,
      reconciliationMismatches: 1,
      auroraCpuPercent: 80,
      auroraConnectionsPercent: 80,
      auroraAcuUtilizationPercent: 90,
      durationP99PercentOfTimeout: 80,
      accountConcurrencyLimit: 1000,
      accountConcurrencyPercent: 80,
      dynamoDbThrottledPer5Min: 1,
      dynamoDbSystemErrorsPer5Min: 1,
      auroraFreeableMemoryMib: 256,
      proxyBorrowLatencyMicros: 100_000,
      proxyConnectionsPercent: 80,
      wafBlockedPer5Min: production ? 500 : 100,
    },
  };
}

function claimMapping(value: unknown, stage: StageName): ClaimMappingSpec {
  try {
    return parseClaimMapping(value, `Context ${CONTEXT_KEYS.claimMapping} for stage ${stage}`);
  } catch (error) {
    if (error instanceof ClaimMappingError) throw new StageConfigError(error.message);
    throw error;
  }
}

/** The issue-#19 block: custom domain, WAF exemptions, notification channels, database front door. */
function deploySettings(
  text: (key: string) => string | undefined,
  stage: StageName,
  alarms: { alarmEmail?: string; alarmHttpsUrl?: string },
  region: string,
): DeploySettings {
  const domainName = text(CONTEXT_KEYS.apiDomainName);
  const certificateArn = text(CONTEXT_KEYS.apiCertificateArn);
  if (Boolean(domainName) !== Boolean(certificateArn)) {
    throw new StageConfigError(
      `Stage ${stage} has only one of ${CONTEXT_KEYS.apiDomainName} and ${CONTEXT_KEYS.apiCertificateArn}: pass both (the domain and the ARN of its ACM certificate in the stack's region) or neither.`,
    );
  }
  if (domainName && !/^(?!-)[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63})+$/i.test(domainName)) {
    throw new StageConfigError(`Context ${CONTEXT_KEYS.apiDomainName} for stage ${stage} is not a domain name ("${domainName}").`);
  }
  if (certificateArn && !/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/.test(certificateArn)) {
    throw new StageConfigError(`Context ${CONTEXT_KEYS.apiCertificateArn} for stage ${stage} is not an ACM certificate ARN ("${certificateArn}").`);
  }
  const cidrs = (text(CONTEXT_KEYS.wafExemptCidrs) ?? '').split(',').map((c) => c.trim()).filter(Boolean);
  for (const cidr of cidrs) {
    if (!/^(\d{1,3}\.){3}\d{1,3}\/(\d|[12]\d|3[0-2])$/.test(cidr)) {
      throw new StageConfigError(`Context ${CONTEXT_KEYS.wafExemptCidrs} for stage ${stage} holds "${cidr}", not an IPv4 CIDR such as 203.0.113.10/32.`);
    }
  }
  const ses = text(CONTEXT_KEYS.sesFromAddress);
  if (ses !== undefined) email(ses, stage, CONTEXT_KEYS.sesFromAddress);
  const sms = text(CONTEXT_KEYS.smsEnabled);
  if (sms !== undefined && !['true', 'false'].includes(sms)) {
    throw new StageConfigError(`Context ${CONTEXT_KEYS.smsEnabled} must be true or false, not "${sms}".`);
  }
  const production = stage === 'prod';
  return {
    ...alarms,
    apiDomain: domainName && certificateArn ? { name: domainName.toLowerCase(), certificateArn } : undefined,
    wafExemptCidrs: cidrs,
    wafRedactedHeaders: ['authorization', 'cookie'],
    sesFromAddress: ses,
    sesRegion: text(CONTEXT_KEYS.sesRegion) ?? region,
    smsEnabled: sms === 'true',
    // RDS Proxy costs more than the idle database itself; only production's concurrency needs it (ADR 0014).
    rdsProxy: production,
    databaseAutoPauseMinutes: production ? undefined : 10,
    natInstanceType: production ? undefined : 't4g.nano',
    // Every schedule that touches the database runs at most hourly here, or Aurora never pauses (ADR 0014).
    scheduleOverrides: production ? {} : { 'outbox-sweep': 'rate(1 hour)', 'advance-status-poll': 'rate(1 hour)', 'approval-reminders': 'rate(1 hour)' },
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.trim() !== '' ? value.trim() : undefined;
}

function httpsUrl(value: string, key: string, stage: StageName): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new StageConfigError(`Context ${key} for stage ${stage} is not a URL ("${value}"): pass an https:// URL.`);
  }
  if (url.protocol !== 'https:') {
    throw new StageConfigError(`Context ${key} for stage ${stage} must use https ("${value}").`);
  }
  return value;
}

function origin(value: string, stage: StageName): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new StageConfigError(`CORS origin "${value}" for stage ${stage} is not an origin: pass --context corsOrigins=https://app.example.com,https://admin.example.com.`);
  }
  if (url.origin !== value.replace(/\/$/, '')) {
    throw new StageConfigError(`CORS origin "${value}" for stage ${stage} must be scheme://host[:port] without a path.`);
  }
  if (stage !== 'dev' && url.protocol !== 'https:') {
    throw new StageConfigError(`CORS origin "${value}" for stage ${stage} must use https.`);
  }
  return url.origin;
}

function email(value: string, stage: StageName, key: string = CONTEXT_KEYS.alarmEmail): string {
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) {
    throw new StageConfigError(`Context ${key} for stage ${stage} is not an e-mail address ("${value}").`);
  }
  return value;
}
