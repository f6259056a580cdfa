/**
 * Bundled in place of `@smithy/core/event-streams` in every function (infra/bundling/options.ts, ADR 0030). The
 * SDK's protocol code imports it lazily, only for operations that stream events; none of the clients the functions
 * use (DynamoDB, SNS, SQS, Step Functions, Secrets Manager, SES, Cognito) has one, yet esbuild inlines a dynamic
 * import into the one-file bundle (~15 KB each). If one were ever called, it fails loudly.
 */
function notBundled(): never {
  throw new Error('SDK event streams are not bundled in this function (infra/bundling/options.ts): no client it uses streams events.');
}

export class EventStreamSerde {
  constructor() {
    notBundled();
  }
}

export function eventStreamSerdeProvider(): never {
  return notBundled();
}
