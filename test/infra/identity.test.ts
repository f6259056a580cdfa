import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ROLES } from '../../functions/shared/routes';
import { names } from '../../infra/config/names';
import { nagPacks } from '../../infra/constructs/checks';
import { REVOCATION_WINDOW_SECONDS } from '../../infra/config/stages';
import { handler as preToken } from '../../functions/auth/cognito-pre-token';
import { resourcesOf, synthStage } from './support/synth';

/**
 * The identity settings in the synthesized templates (the AWS control plane has no local stand-in): the claim
 * mapping handed to the authorizer, the authorizer cache inside the revocation window, and the Cognito user pool of
 * `--context identityProvider=cognito`.
 */
const envOf = (template: ReturnType<typeof synthStage>['api'], functionName: string) => {
  const fn = Object.values(resourcesOf(template, 'AWS::Lambda::Function')).find((r) => r.Properties.FunctionName === functionName);
  if (!fn) throw new Error(`no function ${functionName}`);
  return fn.Properties.Environment.Variables as Record<string, unknown>;
};

describe('identity provider settings in the templates', () => {
  it('the claimMapping context reaches the authorizer (and logout) as OIDC_CLAIMS; the authorizer cache is shorter than the revocation window', () => {
    const stage = synthStage('uat', { claimMapping: '{"preset":"keycloak","clientRoles":"abhi-api-gateway"}', oidcClientIds: 'abhi-web-app,abhi-mobile-app' });
    const config = stage.platform.config;
    const authorizer = envOf(stage.api, names.authorizerFunction(config));
    expect(JSON.parse(String(authorizer.OIDC_CLAIMS))).toEqual({ preset: 'keycloak', clientRoles: 'abhi-api-gateway' });
    expect(authorizer.OIDC_CLIENT_IDS).toBe('abhi-web-app,abhi-mobile-app');
    expect(envOf(stage.api, names.routeFunction(config, 'logout')).OIDC_CLAIMS).toBe(authorizer.OIDC_CLAIMS);
    const [authorizerResource] = Object.values(resourcesOf(stage.api, 'AWS::ApiGateway::Authorizer'));
    expect(authorizerResource!.Properties.AuthorizerResultTtlInSeconds).toBeLessThan(REVOCATION_WINDOW_SECONDS);
  });

  describe('identityProvider=cognito (a user pool of the stack, wired to the authorizer)', () => {
    const stage = synthStage('prod', { identityProvider: 'cognito' });
    const config = stage.platform.config;

    it('user pool: TOTP MFA required, Plus with threat protection in prod, the two custom attributes, no self sign-up, retained', () => {
      stage.api.hasResource('AWS::Cognito::UserPool', {
        DeletionPolicy: 'Retain',
        Properties: Match.objectLike({
          MfaConfiguration: 'ON',
          EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
          UserPoolTier: 'PLUS',
          UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
          DeletionProtection: 'ACTIVE',
          AdminCreateUserConfig: Match.objectLike({ AllowAdminCreateUserOnly: true }),
          Schema: Match.arrayWith([
            Match.objectLike({ Name: 'organization_id', AttributeDataType: 'String', Mutable: true }),
            Match.objectLike({ Name: 'employee_id', AttributeDataType: 'String', Mutable: true }),
          ]),
          LambdaConfig: { PreTokenGenerationConfig: { LambdaArn: Match.anyValue(), LambdaVersion: 'V3_0' } },
        }),
      });
    });

    it('groups are the seven platform roles', () => {
      const groups = Object.values(resourcesOf(stage.api, 'AWS::Cognito::UserPoolGroup')).map((g) => g.Properties.GroupName);
      expect(groups.sort()).toEqual([...ROLES].sort());
    });

    it('web and mobile: authorization code without a secret; the service client: client credentials with a secret; none writes the tenant attributes', () => {
      const clients = Object.values(resourcesOf(stage.api, 'AWS::Cognito::UserPoolClient')).map((c) => c.Properties);
      const byName = (suffix: string) => clients.find((c) => String(c.ClientName).endsWith(suffix))!;
      for (const name of ['abhi-web-app', 'abhi-mobile-app']) {
        expect(byName(name)).toMatchObject({ GenerateSecret: false, AllowedOAuthFlows: ['code'], EnableTokenRevocation: true });
        expect(byName(name).ExplicitAuthFlows).not.toContain('ALLOW_USER_PASSWORD_AUTH');
        expect(byName(name).WriteAttributes).not.toContain('custom:organization_id');
        expect(byName(name).WriteAttributes).not.toContain('custom:employee_id');
      }
      expect(byName('abhi-web-app').CallbackURLs).toEqual(['https://app.example.com/auth/callback']);
      expect(byName('abhi-mobile-app').CallbackURLs).toEqual(['abhiapp://oauth/callback']);
      expect(byName('abhi-api-gateway')).toMatchObject({ GenerateSecret: true, AllowedOAuthFlows: ['client_credentials'] });
    });

    it('the authorizer verifies the pool’s tokens with the cognito preset, accepting its three clients', () => {
      const env = envOf(stage.api, names.authorizerFunction(config));
      expect(JSON.parse(String(env.OIDC_CLAIMS))).toEqual({ preset: 'cognito' });
      const issuer = JSON.stringify(env.OIDC_ISSUER);
      expect(issuer).toContain('https://cognito-idp.');
      expect(issuer).toMatch(/IdentityUserPool/);
      expect(JSON.stringify(env.OIDC_AUDIENCE)).toMatch(/abhiwebapp.*abhimobileapp.*abhiapigateway/i);
    });

    it('passes the cdk-nag packs (or says why not)', () => {
      const findings = nagPacks().flatMap((pack) =>
        pack.validateScope(stage.app).violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`),
      );
      expect(findings).toEqual([]);
    });
  });
});

describe('the pre-token-generation trigger (run as a function: Cognito itself has no local stand-in)', () => {
  const event = (triggerSource: string, userAttributes: Record<string, string> = {}) => ({
    triggerSource,
    userPoolId: 'me-central-1_test',
    callerContext: { clientId: 'client' },
    request: { userAttributes },
    response: {},
  });

  it('user tokens get the organization, the employee and MFA (the pool requires TOTP)', async () => {
    const result = await preToken(event('TokenGeneration_HostedAuth', { sub: 's', 'custom:organization_id': 'org-1', 'custom:employee_id': ' emp-1 ' }));
    expect(result.response).toEqual({
      claimsAndScopeOverrideDetails: { accessTokenGeneration: { claimsToAddOrOverride: { 'custom:mfa': 'true', 'custom:organization_id': 'org-1', 'custom:employee_id': 'emp-1' } } },
    });
  });

  it('client-credentials tokens get the service_account role', async () => {
    const result = await preToken(event('TokenGeneration_ClientCredentials'));
    expect(result.response).toEqual({ claimsAndScopeOverrideDetails: { accessTokenGeneration: { claimsToAddOrOverride: { 'custom:service_roles': ['service_account'] } } } });
  });
});
