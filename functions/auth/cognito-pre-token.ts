/**
 * Cognito pre-token-generation trigger (V3_0 event, Essentials feature plan), deployed only with
 * `--context identityProvider=cognito`. Cognito puts custom attributes in ID tokens only and reserves `amr`: this puts
 * what the cognito claim preset reads into access tokens: `custom:organization_id`, `custom:employee_id`, `custom:mfa`
 * (the pool requires TOTP for every sign-in), and for the client-credentials client the `service_account` role.
 */
export interface PreTokenGenerationV3Event {
  triggerSource: string;
  userPoolId: string;
  callerContext?: { clientId?: string };
  request: { userAttributes?: Record<string, string>; scopes?: string[] };
  response: Record<string, unknown>;
}

const ATTRIBUTES = ['custom:organization_id', 'custom:employee_id'] as const;

export async function handler(event: PreTokenGenerationV3Event): Promise<PreTokenGenerationV3Event> {
  let claims: Record<string, string | string[]>;
  if (event.triggerSource === 'TokenGeneration_ClientCredentials') {
    // Machine tokens carry no user and no groups. The pool has one client-credentials client (infra/constructs/
    // user-pool.ts): it is the platform's service_account. (Its id cannot be passed in: the pool references this function.)
    claims = { 'custom:service_roles': ['service_account'] };
  } else {
    const attributes = event.request.userAttributes ?? {};
    claims = { 'custom:mfa': 'true' };
    for (const name of ATTRIBUTES) {
      const value = attributes[name];
      if (typeof value === 'string' && value.trim() !== '') claims[name] = value.trim();
    }
  }
  event.response = { claimsAndScopeOverrideDetails: { accessTokenGeneration: { claimsToAddOrOverride: claims } } };
  return event;
}
