import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as xray from 'aws-cdk-lib/aws-xray';
import { Construct } from 'constructs';
import { GATEWAY_PROBLEMS, problemBody, SECURITY_HEADERS, WWW_AUTHENTICATE } from '../../functions/shared/http/responses';
import { API_PREFIX, type Route } from '../../functions/shared/routes';
import { names } from '../config/names';
import type { StageConfig } from '../config/stages';
import { ApiFirewall } from './waf';

export interface PlatformApiProps {
  readonly config: StageConfig;
  readonly routes: readonly Route[];
  /** One function per route id. */
  readonly handlers: ReadonlyMap<string, lambda.IFunction>;
  /** The Lambda REQUEST authorizer for `jwt` routes. */
  readonly authorizerFunction: lambda.IFunction;
}

/**
 * X-Ray sampling of the API's requests (ADR 0023): 1 request per second, then 1 % (the default rule: 1/s, then 5 %).
 * API Gateway decides; the Lambda functions behind it follow its decision. At volume, 1 % of requests is plenty to
 * see where time goes, and traces are billed per recorded trace (docs/cost-model.md).
 */
export const API_TRACE_SAMPLING = { reservoirPerSecond: 1, fixedRate: 0.01 } as const;

/** Headers browsers may send cross-origin. */
const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'];

/**
 * The REST API built from the route table (ADR 0001): one method per route with its own Lambda integration, the
 * Lambda authorizer on `jwt` routes (cached per Authorization header), none on public and webhook routes; request
 * validation of required headers and path parameters; stage and per-method throttling by route class; JSON access
 * logs; X-Ray; WAF on the stage.
 */
export class PlatformApi extends Construct {
  readonly api: apigw.RestApi;
  readonly authorizer: apigw.RequestAuthorizer;
  readonly accessLogs: logs.LogGroup;
  readonly firewall: ApiFirewall;
  /** The custom domain (context apiDomainName + apiCertificateArn), if any; execute-api is then disabled. */
  readonly domain?: apigw.DomainName;
  /** Base URL callers use: the custom domain's, else the execute-api stage URL. */
  readonly baseUrl: string;
  /** Method per route id. */
  readonly methods = new Map<string, apigw.Method>();

  constructor(scope: Construct, id: string, props: PlatformApiProps) {
    super(scope, id);
    const { config, routes } = props;

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      logGroupName: `/aws/apigateway/${config.prefix}-api/access`,
      retention: config.functions.logRetentionDays as number as logs.RetentionDays,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    const methodOptions: Record<string, apigw.MethodDeploymentOptions> = {};
    for (const route of routes) {
      const throttle = config.api.methodThrottle[route.rateLimitClass];
      methodOptions[`${API_PREFIX}${route.path}/${route.method}`] = {
        throttlingRateLimit: throttle.rateLimit,
        throttlingBurstLimit: throttle.burstLimit,
      };
    }

    this.api = new apigw.RestApi(this, 'Api', {
      restApiName: names.restApi(config),
      description: `Abhi earned-wage-access platform API (${config.stage})`,
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      // With a custom domain, the execute-api URL would be a second door around the domain's TLS policy.
      disableExecuteApiEndpoint: config.deploy.apiDomain !== undefined,
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: config.stage,
        tracingEnabled: true,
        // Execution logs at ERROR only and never request/response bodies: they carry personal data.
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: false,
        throttlingRateLimit: config.api.stageThrottle.rateLimit,
        throttlingBurstLimit: config.api.stageThrottle.burstLimit,
        methodOptions,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: apigw.AccessLogField.contextRequestId(),
            extendedRequestId: apigw.AccessLogField.contextExtendedRequestId(),
            ip: apigw.AccessLogField.contextIdentitySourceIp(),
            userAgent: apigw.AccessLogField.contextIdentityUserAgent(),
            requestTime: apigw.AccessLogField.contextRequestTime(),
            httpMethod: apigw.AccessLogField.contextHttpMethod(),
            resourcePath: apigw.AccessLogField.contextResourcePath(),
            status: apigw.AccessLogField.contextStatus(),
            protocol: apigw.AccessLogField.contextProtocol(),
            responseLength: apigw.AccessLogField.contextResponseLength(),
            responseLatency: apigw.AccessLogField.contextResponseLatency(),
            integrationLatency: apigw.AccessLogField.contextIntegrationLatency(),
            integrationStatus: apigw.AccessLogField.contextIntegrationStatus(),
            principalId: apigw.AccessLogField.contextAuthorizerPrincipalId(),
            authorizerError: '$context.authorizer.error',
            errorMessage: apigw.AccessLogField.contextErrorMessage(),
            wafStatus: '$context.waf.status',
            xrayTraceId: apigw.AccessLogField.contextXrayTraceId(),
          }),
        ),
      },
      defaultCorsPreflightOptions: config.corsAllowedOrigins.length
        ? {
            allowOrigins: [...config.corsAllowedOrigins],
            allowMethods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
            allowHeaders: CORS_ALLOWED_HEADERS,
            maxAge: Duration.minutes(10),
          }
        : undefined,
    });
    new xray.CfnSamplingRule(this, 'TraceSampling', {
      samplingRule: {
        ruleName: `${config.prefix}-api`.slice(0, 32),
        priority: 100,
        fixedRate: API_TRACE_SAMPLING.fixedRate,
        reservoirSize: API_TRACE_SAMPLING.reservoirPerSecond,
        serviceName: `${names.restApi(config)}/${config.stage}`,
        serviceType: 'AWS::ApiGateway::Stage',
        host: '*',
        httpMethod: '*',
        urlPath: '*',
        resourceArn: '*',
        version: 1,
      },
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        "API Gateway's CloudWatch role is one per account and region (AWS::ApiGateway::Account) and serves every API there; AWS documents this managed policy for it and it cannot be scoped to one API.",
    });

    this.authorizer = new apigw.RequestAuthorizer(this, 'JwtAuthorizer', {
      authorizerName: `${config.prefix}-jwt`,
      handler: props.authorizerFunction,
      identitySources: [apigw.IdentitySource.header('Authorization')],
      resultsCacheTtl: Duration.seconds(config.api.authorizerCacheTtlSeconds),
    });

    const validator = this.api.addRequestValidator('RequiredParameters', {
      requestValidatorName: 'required-parameters',
      validateRequestParameters: true,
      // Applies to methods that declare a body model; none do today: the handlers validate bodies (zod) so errors come
      // back as the API's problem documents. Required headers and path parameters are enforced here.
      validateRequestBody: true,
    });

    for (const route of routes) {
      const handler = props.handlers.get(route.id);
      if (!handler) throw new Error(`Route ${route.id} has no function: the stack must create one per route.`);
      const resource = this.api.root.resourceForPath(`${API_PREFIX}${route.path}`);
      const requestParameters: Record<string, boolean> = {};
      for (const match of route.path.matchAll(/\{([^}]+)\}/g)) requestParameters[`method.request.path.${match[1]}`] = true;
      if (route.idempotency === 'required') requestParameters['method.request.header.Idempotency-Key'] = true;
      if (route.auth === 'jwt') requestParameters['method.request.header.Authorization'] = true;

      const method = resource.addMethod(
        route.method,
        new apigw.LambdaIntegration(handler, { proxy: true, allowTestInvoke: false, timeout: Duration.seconds(29) }),
        {
          operationName: route.id,
          requestParameters,
          requestValidator: validator,
          ...(route.auth === 'jwt'
            ? { authorizer: this.authorizer, authorizationType: apigw.AuthorizationType.CUSTOM }
            : { authorizationType: apigw.AuthorizationType.NONE }),
        },
      );
      this.methods.set(route.id, method);
      if (route.auth !== 'jwt') {
        const why =
          route.auth === 'webhook-hmac'
            ? `${route.id} is called by Abhi, which signs the body with HMAC-SHA256; the handler verifies the signature and the replay id, a bearer token cannot apply.`
            : `${route.id} is public by design (${route.summary}); it returns no personal data.`;
        Validations.of(method).acknowledge({ id: 'AwsSolutions-APIG4', reason: why }, { id: 'AwsSolutions-COG4', reason: why });
      } else {
        Validations.of(method).acknowledge({
          id: 'AwsSolutions-COG4',
          reason: 'Callers authenticate with the employer identity provider (OIDC); the Lambda authorizer verifies those JWTs, there is no Cognito user pool.',
        });
      }
    }

    // CORS preflight methods answer browsers' OPTIONS requests, which carry no credentials by specification.
    for (const child of this.api.root.node.findAll()) {
      if (child instanceof apigw.Method && child.httpMethod === 'OPTIONS') {
        const reason = 'CORS preflight (OPTIONS) requests carry no credentials by specification; the mock integration returns only CORS headers.';
        Validations.of(child).acknowledge({ id: 'AwsSolutions-APIG4', reason }, { id: 'AwsSolutions-COG4', reason });
      }
    }

    this.addProblemGatewayResponses();
    this.firewall = new ApiFirewall(this, 'Firewall', { config, stageArn: this.api.deploymentStage.stageArn });

    const domain = config.deploy.apiDomain;
    if (domain) {
      this.domain = new apigw.DomainName(this, 'Domain', {
        domainName: domain.name,
        certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', domain.certificateArn),
        endpointType: apigw.EndpointType.REGIONAL,
        securityPolicy: apigw.SecurityPolicy.TLS_1_2,
      });
      // The domain's root is the stage: https://<domain>/v1/... (the route table's prefix stays in the path).
      this.domain.addBasePathMapping(this.api, { stage: this.api.deploymentStage });
      this.baseUrl = `https://${domain.name}/`;
    } else {
      this.baseUrl = this.api.url;
    }
  }

  /**
   * What API Gateway answers by itself (no route, authorizer said no, throttled, too large, timed out) in the same
   * problem+json format and with the same security headers as the functions' answers; the bodies are the ones the
   * local API server sends (GATEWAY_PROBLEMS in functions/shared/http/responses.ts).
   */
  private addProblemGatewayResponses(): void {
    const responses: [id: string, type: apigw.ResponseType, status: keyof typeof GATEWAY_PROBLEMS, extra?: Record<string, string>][] = [
      ['Unauthorized', apigw.ResponseType.UNAUTHORIZED, 401, { 'WWW-Authenticate': WWW_AUTHENTICATE }],
      ['AccessDenied', apigw.ResponseType.ACCESS_DENIED, 403],
      ['WafFiltered', apigw.ResponseType.WAF_FILTERED, 403],
      // REST APIs answer an unknown path with 403 "Missing Authentication Token"; it is a 404 to the caller.
      ['NoRoute', apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN, 404],
      ['TooLarge', apigw.ResponseType.REQUEST_TOO_LARGE, 413],
      ['Throttled', apigw.ResponseType.THROTTLED, 429, { 'Retry-After': '1' }],
      ['QuotaExceeded', apigw.ResponseType.QUOTA_EXCEEDED, 429, { 'Retry-After': '60' }],
      ['IntegrationTimeout', apigw.ResponseType.INTEGRATION_TIMEOUT, 504],
      ['AuthorizerFailure', apigw.ResponseType.AUTHORIZER_FAILURE, 500],
      ['Default4xx', apigw.ResponseType.DEFAULT_4XX, 400],
      ['Default5xx', apigw.ResponseType.DEFAULT_5XX, 500],
    ];
    // Static header values are written between single quotes and cannot contain one, which leaves out the CSP; a JSON
    // problem body runs no script, and nosniff keeps browsers from treating it as anything else.
    const headers = (extra: Record<string, string> = {}) =>
      Object.fromEntries(
        Object.entries({ 'Content-Type': 'application/problem+json', ...SECURITY_HEADERS, ...extra })
          .filter(([, value]) => !value.includes("'"))
          .map(([name, value]) => [name, `'${value}'`]),
      );
    for (const [id, type, status, extra] of responses) {
      const body = problemBody({ status, ...GATEWAY_PROBLEMS[status], requestId: 'REQUEST_ID' });
      const template = JSON.stringify(body).replace('"REQUEST_ID"', '"$context.requestId"');
      this.api.addGatewayResponse(`Problem${id}`, {
        type,
        // DEFAULT_4XX/5XX keep API Gateway's own status (e.g. 415, 429 from WAF); the others set theirs.
        statusCode: id.startsWith('Default') ? undefined : String(status),
        responseHeaders: headers(extra),
        templates: { 'application/json': template },
      });
    }
  }
}
