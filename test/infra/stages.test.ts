import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { ABHI_BASE_URLS, resolveStageConfig, StageConfigError } from '../../infra/config/stages';
import { queueUrlVariable } from '../../functions/shared/topology';
import { buildPlatform, PlatformBuildError } from '../../infra/stacks/platform';
import { ABHI_PUBLISHED_RATE_LIMIT, DEFAULT_FLEET_RATE_LIMIT, fleetRateLimit } from '../../functions/shared/abhi/fleet-limit';

const read = (context: Record<string, string>) => (key: string) => context[key];

describe('stage configuration', () => {
  it('dev runs on obviously fake placeholders and the Abhi UAT URL', () => {
    const config = resolveStageConfig(read({}));
    expect(config.stage).toBe('dev');
    expect(new URL(config.oidc.issuer).hostname.endsWith('.invalid')).toBe(true);
    expect(config.abhi.baseUrl).toBe('https://api-uat-v2.abhi.ae/uat-open-api');
    expect(config.alarms.email).toBeUndefined();
  });

  it("the fleet's bucket towards Abhi is the functions' default: Abhi's rate, its burst less 500 ms of jitter slack", () => {
    for (const stage of ['dev', 'uat', 'prod']) {
      const config = resolveStageConfig(read({ stage, oidcIssuer: 'https://login.example.com/', alarmEmail: 'ops@example.com' }));
      expect({ ratePerSecond: config.abhi.rateLimitRps, burst: config.abhi.rateLimitBurst }).toEqual(DEFAULT_FLEET_RATE_LIMIT);
    }
    expect(fleetRateLimit(ABHI_PUBLISHED_RATE_LIMIT)).toEqual({ ratePerSecond: 10, burst: 15 });
    expect(fleetRateLimit({ ratePerSecond: 2, burst: 2 })).toEqual({ ratePerSecond: 2, burst: 1 });
  });

  it('prod uses the Abhi production URL, derives the JWKS URL from the issuer and keeps its data', () => {
    const config = resolveStageConfig(read({ stage: 'prod', oidcIssuer: 'https://login.example.com/', alarmEmail: 'ops@example.com' }));
    expect(config.abhi.baseUrl).toBe(ABHI_BASE_URLS.production);
    expect(config.oidc.jwksUrl).toBe('https://login.example.com/.well-known/jwks.json');
    expect(config.retainData).toBe(true);
    expect(config.database.deletionProtection).toBe(true);
    expect(config.corsAllowedOrigins).toEqual([]);
  });

  it.each([
    [{ stage: 'prod', alarmEmail: 'ops@example.com' }, 'Stage prod needs the OIDC issuer URL (the iss claim of your identity provider): pass --context oidcIssuer=<value> to cdk synth/deploy.'],
    [{ stage: 'prod', oidcIssuer: 'https://login.example.com/' }, 'Stage prod needs an alarm subscriber: pass --context alarmEmail=<address> and/or --context alarmHttpsUrl=<https URL> to cdk synth/deploy.'],
    [{ stage: 'uat' }, 'Stage uat needs the OIDC issuer URL (the iss claim of your identity provider): pass --context oidcIssuer=<value> to cdk synth/deploy.'],
    [{ stage: 'staging' }, 'Unknown stage "staging": pass --context stage=dev, uat or prod.'],
    [{ stage: 'prod', oidcIssuer: 'http://login.example.com/', alarmEmail: 'ops@example.com' }, 'Context oidcIssuer for stage prod must use https ("http://login.example.com/").'],
    [{ stage: 'prod', oidcIssuer: 'https://login.example.com/', alarmEmail: 'ops' }, 'Context alarmEmail for stage prod is not an e-mail address ("ops").'],
    [{ stage: 'uat', oidcIssuer: 'https://login.example.com/', corsOrigins: 'http://app.example.com' }, 'CORS origin "http://app.example.com" for stage uat must use https.'],
  ])('fails fast with one sentence: %j', (context, message) => {
    expect(() => resolveStageConfig(read(context as Record<string, string>))).toThrow(new StageConfigError(message));
  });

  it('buildPlatform turns a missing value into a PlatformBuildError before creating any stack', () => {
    const app = new App({ context: { stage: 'prod' } });
    expect(() => buildPlatform(app)).toThrow(PlatformBuildError);
    expect(app.node.children).toHaveLength(0);
  });

  it('queue env var names are upper snake case', () => {
    expect(queueUrlVariable('employee-import')).toBe('QUEUE_URL_EMPLOYEE_IMPORT');
    expect(queueUrlVariable('cache-invalidation', 'DLQ_URL')).toBe('DLQ_URL_CACHE_INVALIDATION');
  });
});
