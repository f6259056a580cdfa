/**
 * Where an identity provider puts roles, organization, employee and MFA in its access tokens: one preset per
 * provider, or explicit claim paths on top of one. The CDK app validates a stage's mapping at synth with
 * `parseClaimMapping` and hands it to the authorizer as `OIDC_CLAIMS`, which the authorizer resolves with
 * `claimNamesFor`. No runtime imports: the CDK app loads it.
 */
export const CLAIM_PRESETS = ['generic', 'keycloak', 'cognito'] as const;
export type ClaimPreset = (typeof CLAIM_PRESETS)[number];

/** What a stage (CDK context `claimMapping`) or the local stack (`OIDC_PRESET`) says. */
export interface ClaimMappingSpec {
  readonly preset: ClaimPreset;
  /** Dot path of the roles claim (overrides the preset's). */
  readonly roles?: string;
  readonly organization?: string;
  readonly employee?: string;
  /** Claim that says MFA was used, and the values that mean it. */
  readonly mfa?: string;
  readonly mfaValues?: readonly string[];
  /** Keycloak: the client whose `resource_access.<client>.roles` also count as roles. */
  readonly clientRoles?: string;
}

/** The resolved claim names the verifier reads. */
export interface ClaimNames {
  /** Dot path of the roles claim: `roles`, `realm_access.roles` (Keycloak), `cognito:groups` (Cognito). */
  roles: string;
  /** More role claims whose values are added (Keycloak client roles: `resource_access.<client>.roles`). */
  extraRoles?: string[];
  organization: string;
  employee: string;
  /** `amr` (array containing one of `mfaValues`), `acr` (string equal to one of them) or a custom boolean claim. */
  mfa: string;
  mfaValues: string[];
  /** A second MFA signal (Keycloak: `amr` from the AMR protocol mapper, beside `acr`). */
  mfaAlso?: { claim: string; values: string[] };
  /** Claim holding the audience: `aud` (default); Cognito access tokens carry `client_id` instead. */
  audience: string;
  /**
   * Keycloak's default audience (`account`, from the default client scope): a token whose `aud` names only it is
   * accepted when its `azp` (the client that asked for it) is an allowed client.
   */
  defaultAudience?: string;
  /** Required `token_use` (Cognito: `access`, so ID tokens are refused). */
  tokenUse?: string;
}

const SPEC_KEYS = ['preset', 'roles', 'organization', 'employee', 'mfa', 'mfaValues', 'clientRoles'] as const;

export class ClaimMappingError extends Error {
  override readonly name = 'ClaimMappingError';
}

export function isClaimPreset(value: unknown): value is ClaimPreset {
  return typeof value === 'string' && (CLAIM_PRESETS as readonly string[]).includes(value);
}

/**
 * Validates a mapping given as a preset name, as JSON text, or as an object (`{"preset":"keycloak","clientRoles":
 * "abhi-api-gateway"}`). `source` names where it came from, so the error says what to fix.
 */
export function parseClaimMapping(input: unknown, source: string): ClaimMappingSpec {
  let value = input;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text.startsWith('{')) {
      try {
        value = JSON.parse(text);
      } catch {
        throw new ClaimMappingError(`${source} is not valid JSON: give a preset (${CLAIM_PRESETS.join(', ')}) or an object such as {"preset":"keycloak"}.`);
      }
    } else {
      value = { preset: text };
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ClaimMappingError(`${source} must be a preset (${CLAIM_PRESETS.join(', ')}) or an object of claim paths.`);
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(SPEC_KEYS as readonly string[]).includes(key)) {
      throw new ClaimMappingError(`${source} has an unknown key "${key}": use ${SPEC_KEYS.join(', ')}.`);
    }
  }
  const preset = record.preset ?? 'generic';
  if (!isClaimPreset(preset)) {
    throw new ClaimMappingError(`${source} names an unknown preset "${String(preset)}": use ${CLAIM_PRESETS.join(', ')}.`);
  }
  const spec: { -readonly [K in keyof ClaimMappingSpec]: ClaimMappingSpec[K] } = { preset };
  for (const key of ['roles', 'organization', 'employee', 'mfa', 'clientRoles'] as const) {
    const path = record[key];
    if (path === undefined) continue;
    if (typeof path !== 'string' || !/^[A-Za-z0-9_:/.\-]{1,200}$/.test(path)) {
      throw new ClaimMappingError(`${source} key "${key}" must be a claim path such as "realm_access.roles", not ${JSON.stringify(path)}.`);
    }
    spec[key] = path;
  }
  if (record.mfaValues !== undefined) {
    const values = record.mfaValues;
    if (!Array.isArray(values) || values.length === 0 || !values.every((v) => typeof v === 'string' && v.length > 0)) {
      throw new ClaimMappingError(`${source} key "mfaValues" must be a non-empty list of strings, such as ["2"].`);
    }
    spec.mfaValues = values as string[];
  }
  if (spec.clientRoles !== undefined && preset !== 'keycloak') {
    throw new ClaimMappingError(`${source} key "clientRoles" applies to the keycloak preset only (preset is "${preset}").`);
  }
  return spec;
}

const PRESETS: Record<ClaimPreset, ClaimNames> = {
  // The local issuer's names; also Microsoft Entra ID's app roles (`roles`) and any provider configured to match.
  generic: { roles: 'roles', organization: 'org_id', employee: 'employee_id', mfa: 'amr', mfaValues: ['mfa'], audience: 'aud' },
  // Realm roles; organization_id / employee_id from User Attribute mappers; acr "2" after a stepped-up login
  // (ACR to LoA mapping), or amr from the AMR mapper when it is configured.
  keycloak: {
    roles: 'realm_access.roles',
    organization: 'organization_id',
    employee: 'employee_id',
    mfa: 'acr',
    mfaValues: ['2'],
    mfaAlso: { claim: 'amr', values: ['otp', 'mfa'] },
    audience: 'aud',
    defaultAudience: 'account',
  },
  // Groups for roles; custom attributes reach access tokens only through a pre-token-generation trigger (V2_0/V3_0,
  // functions/auth/cognito-pre-token.ts), which also says MFA (`custom:mfa`: Cognito reserves amr) and gives the
  // client-credentials client its role. Access tokens have no aud: client_id is checked instead.
  cognito: {
    roles: 'cognito:groups',
    extraRoles: ['custom:service_roles'],
    organization: 'custom:organization_id',
    employee: 'custom:employee_id',
    mfa: 'amr',
    mfaValues: ['mfa', 'otp', 'software_token_mfa'],
    mfaAlso: { claim: 'custom:mfa', values: ['true'] },
    audience: 'client_id',
    tokenUse: 'access',
  },
};

export function claimNamesFor(spec: ClaimMappingSpec): ClaimNames {
  const base = PRESETS[spec.preset];
  const names: ClaimNames = { ...base, mfaValues: [...base.mfaValues], ...(base.extraRoles ? { extraRoles: [...base.extraRoles] } : {}) };
  if (spec.roles) names.roles = spec.roles;
  if (spec.organization) names.organization = spec.organization;
  if (spec.employee) names.employee = spec.employee;
  if (spec.mfa) names.mfa = spec.mfa;
  if (spec.mfaValues) names.mfaValues = [...spec.mfaValues];
  if (spec.mfa || spec.mfaValues) delete names.mfaAlso;
  if (spec.clientRoles) names.extraRoles = [`resource_access.${spec.clientRoles}.roles`];
  return names;
}
