import { API_TRACE_SAMPLING } from '../../../infra/constructs/rest-api';
/**
 * AWS list prices used by the cost model: us-east-1 (N. Virginia), on-demand, first pricing tier, as published on
 * aws.amazon.com/pricing and known to the author as of 2025 (the DynamoDB on-demand prices include the November 2024
 * reduction). They were NOT fetched during the run (no internet on the bench machines): check the pricing pages before
 * budgeting. me-central-1 (UAE), where the platform deploys by default, lists higher prices for most of these
 * services; multiply accordingly.
 */
export const PRICE_REGION = 'us-east-1';
export const PRICE_DATE = '2025 list prices (not fetched during the run)';

export const PRICES = {
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  apiGatewayRestPerMillion: 3.5,
  wafPerMillionRequests: 0.6,
  dynamoDbPerMillionWru: 0.625,
  dynamoDbPerMillionRru: 0.125,
  sqsPerMillionRequests: 0.4,
  snsPerMillionPublishes: 0.5,
  stepFunctionsStandardPer1000Transitions: 0.025,
  secretsManagerPer10000Calls: 0.05,
  secretsManagerPerSecretMonth: 0.4,
  cloudWatchLogsIngestionPerGb: 0.5,
  cloudWatchCustomMetricPerMonth: 0.3,
  xrayPerMillionTracesRecorded: 5,
  auroraServerlessV2PerAcuHour: 0.12,
  rdsProxyServerlessPerAcuHour: 0.015,
  natGatewayPerHour: 0.045,
  natGatewayPerGb: 0.045,
  wafPerWebAclMonth: 5,
  wafPerRuleMonth: 1,
} as const;

export const PRICE_LABELS: Record<keyof typeof PRICES, string> = {
  lambdaArmPerGbSecond: 'Lambda (arm64) compute, per GB-second',
  lambdaPerMillionRequests: 'Lambda requests, per million',
  apiGatewayRestPerMillion: 'API Gateway REST API, per million requests (first 333 M)',
  wafPerMillionRequests: 'AWS WAF, per million requests',
  dynamoDbPerMillionWru: 'DynamoDB on-demand, per million write request units',
  dynamoDbPerMillionRru: 'DynamoDB on-demand, per million read request units',
  sqsPerMillionRequests: 'SQS standard, per million requests (64 KB chunks)',
  snsPerMillionPublishes: 'SNS standard, per million publishes (deliveries to SQS are free)',
  stepFunctionsStandardPer1000Transitions: 'Step Functions Standard, per 1,000 state transitions',
  secretsManagerPer10000Calls: 'Secrets Manager, per 10,000 API calls',
  secretsManagerPerSecretMonth: 'Secrets Manager, per secret per month',
  cloudWatchLogsIngestionPerGb: 'CloudWatch Logs ingestion (standard), per GB',
  cloudWatchCustomMetricPerMonth: 'CloudWatch custom metric (EMF), per metric per month (first 10,000)',
  xrayPerMillionTracesRecorded: 'X-Ray, per million traces recorded',
  auroraServerlessV2PerAcuHour: 'Aurora Serverless v2 (PostgreSQL), per ACU-hour',
  rdsProxyServerlessPerAcuHour: 'RDS Proxy on Aurora Serverless v2, per ACU-hour',
  natGatewayPerHour: 'NAT gateway, per hour',
  natGatewayPerGb: 'NAT gateway data processing, per GB',
  wafPerWebAclMonth: 'AWS WAF web ACL, per month',
  wafPerRuleMonth: 'AWS WAF rule, per month',
};

/** Modelling assumptions the measurements cannot give (stated next to every cost table). */
export const ASSUMPTIONS = {
  /** API Gateway caches the authorizer's answer 300 s per token: a token makes ~10 calls in that time. */
  authorizerInvocationsPerRequest: 0.1,
  /** Share of invocations that are cold starts (INIT is billed since August 2025). */
  coldStartShare: 0.01,
  /** X-Ray sampling of the API (its sampling rule, infra/constructs/rest-api.ts): at volume the fixed rate. */
  tracedShare: API_TRACE_SAMPLING.fixedRate,
  /** Lambda platform log lines (START/END/REPORT, JSON format) per invocation. */
  platformLogBytesPerInvocation: 350,
  /** SQS requests per message: SNS's send into the queue, the poller's receive and delete (batching ignored: upper bound). */
  sqsRequestsPerMessage: 3,
  /** Billed duration of a queue consumer invocation when it cannot be measured here. */
  consumerDurationMs: 100,
  consumerMemoryMb: 512,
  /** Read request units per read operation (strongly consistent, item < 4 KB) and write units per write (item < 1 KB). */
  rruPerRead: 1,
  wruPerWrite: 1,
  /** TransactWriteItems: 2 WRU per item. */
  wruPerTransactItem: 2,
} as const;
