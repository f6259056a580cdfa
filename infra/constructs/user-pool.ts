import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ROLES } from '../../functions/shared/routes';
import type { StageConfig } from '../config/stages';

export interface PlatformUserPoolProps {
  readonly config: StageConfig;
  /** functions/auth/cognito-pre-token.ts: puts organization, employee, MFA and the service role into access tokens. */
  readonly preTokenGeneration: lambda.IFunction;
}

/**
 * The AWS-native identity provider (`--context identityProvider=cognito`): a user pool whose groups are the seven
 * platform roles, with `organization_id` / `employee_id` as custom attributes only administrators write, TOTP MFA
 * required, authorization code + PKCE clients for the web and mobile apps (no secret, no password grant: ADR 0015),
 * and a client-credentials client for `service_account`. Tokens match the `cognito` claim preset.
 */
export class PlatformUserPool extends Construct {
  readonly userPool: cognito.UserPool;
  readonly webClient: cognito.UserPoolClient;
  readonly mobileClient: cognito.UserPoolClient;
  readonly serviceClient: cognito.UserPoolClient;
  /** The `iss` of its tokens and where their keys are. */
  readonly issuer: string;
  readonly jwksUrl: string;

  constructor(scope: Construct, id: string, props: PlatformUserPoolProps) {
    super(scope, id);
    const { config } = props;
    const production = config.stage === 'prod';
    this.userPool = new cognito.UserPool(this, 'UserPool', {
      userPoolName: `${config.prefix}-users`,
      // Access-token customization (pre-token-generation V2_0/V3_0) needs Essentials; production adds Plus for threat
      // protection (compromised credentials, adaptive authentication) enforced on every sign-in.
      featurePlan: production ? cognito.FeaturePlan.PLUS : cognito.FeaturePlan.ESSENTIALS,
      ...(production ? { standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION } : {}),
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true, tempPasswordValidity: Duration.days(3) },
      // Users never edit these: provisioning (AdminUpdateUserAttributes) does; no app client may write them.
      customAttributes: {
        organization_id: new cognito.StringAttribute({ minLen: 1, maxLen: 64, mutable: true }),
        employee_id: new cognito.StringAttribute({ minLen: 1, maxLen: 64, mutable: true }),
      },
      deletionProtection: config.retainData,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    if (!production) {
      Validations.of(this.userPool).acknowledge({
        id: 'AwsSolutions-COG8',
        reason: 'Threat protection (Plus plan, billed per active user) is on in prod only; dev and uat users are testers, and MFA is required everywhere.',
      });
    }
    this.userPool.addTrigger(cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, props.preTokenGeneration, cognito.LambdaVersion.V3_0);

    for (const role of ROLES) {
      new cognito.CfnUserPoolGroup(this, `Group-${role}`, { userPoolId: this.userPool.userPoolId, groupName: role, description: `Platform role ${role}` });
    }

    this.userPool.addDomain('Domain', { cognitoDomain: { domainPrefix: config.prefix } });
    const api = this.userPool.addResourceServer('Api', {
      identifier: `${config.prefix}-api`,
      scopes: [new cognito.ResourceServerScope({ scopeName: 'service', scopeDescription: 'Service-to-service calls as service_account' })],
    });

    // Users read their attributes; nobody writes organization_id or employee_id through an app client.
    const readAttributes = new cognito.ClientAttributes()
      .withStandardAttributes({ email: true, emailVerified: true, givenName: true, familyName: true })
      .withCustomAttributes('organization_id', 'employee_id');
    const writeAttributes = new cognito.ClientAttributes().withStandardAttributes({ givenName: true, familyName: true });
    const userClient = (clientId: string, callbackUrls: string[]) =>
      this.userPool.addClient(clientId, {
        userPoolClientName: `${config.prefix}-${clientId}`,
        generateSecret: false,
        authFlows: { userSrp: true },
        oAuth: { flows: { authorizationCodeGrant: true }, scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE], callbackUrls },
        preventUserExistenceErrors: true,
        enableTokenRevocation: true,
        accessTokenValidity: Duration.minutes(15),
        idTokenValidity: Duration.minutes(15),
        refreshTokenValidity: Duration.hours(10),
        readAttributes,
        writeAttributes,
      });
    this.webClient = userClient('abhi-web-app', webCallbacks(config));
    this.mobileClient = userClient('abhi-mobile-app', ['abhiapp://oauth/callback']);
    this.serviceClient = this.userPool.addClient('abhi-api-gateway', {
      userPoolClientName: `${config.prefix}-abhi-api-gateway`,
      generateSecret: true,
      authFlows: {},
      oAuth: { flows: { clientCredentials: true }, scopes: [cognito.OAuthScope.resourceServer(api, new cognito.ResourceServerScope({ scopeName: 'service', scopeDescription: 'service' }))] },
      enableTokenRevocation: true,
      accessTokenValidity: Duration.minutes(15),
    });

    this.issuer = `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${this.userPool.userPoolId}`;
    this.jwksUrl = `${this.issuer}/.well-known/jwks.json`;
  }

  /** Every app client: the values a token's `client_id` may have. */
  get clientIds(): string[] {
    return [this.webClient, this.mobileClient, this.serviceClient].map((c) => c.userPoolClientId);
  }
}

/** The web app's redirect after login on each allowed origin (CORS origins are the web app's origins). */
function webCallbacks(config: StageConfig): string[] {
  return config.corsAllowedOrigins.map((origin) => `${origin}/auth/callback`);
}
