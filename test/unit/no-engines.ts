// The unit tier starts no engine: every AWS and database endpoint points at a closed local port (9, discard), so code
// that reaches for one fails at once instead of calling AWS or waiting for a stand-in that is not there.
const CLOSED = 'http://127.0.0.1:9';
for (const service of ['DYNAMODB', 'SQS', 'SNS', 'SECRETS_MANAGER', 'SFN', 'SESV2', 'COGNITO_IDENTITY_PROVIDER']) process.env[`AWS_ENDPOINT_URL_${service}`] = CLOSED;
process.env.AWS_ENDPOINT_URL = CLOSED;
process.env.AWS_REGION ??= 'me-central-1';
process.env.AWS_ACCESS_KEY_ID = 'unit-tier';
process.env.AWS_SECRET_ACCESS_KEY = 'unit-tier';
process.env.DATABASE_URL = 'postgres://unit:unit@127.0.0.1:9/none';
delete process.env.DATABASE_HOST;
