import { resolveLocalhostSubdomains } from '../../infra/local/services/sqs-local';

// Runs in every test worker before the tests: nothing may reach a real AWS endpoint from a test.
for (const service of ['DYNAMODB', 'SQS', 'SNS', 'SECRETS_MANAGER']) {
  if (!process.env[`AWS_ENDPOINT_URL_${service}`]) {
    throw new Error(`AWS_ENDPOINT_URL_${service} is not set: run tests through vitest so test/support/global-setup.ts starts the local services.`);
  }
}

// Queue URLs use `sqs.<region>.localhost`; resolve that suffix to loopback in every worker (see sqs-local.ts).
resolveLocalhostSubdomains();
