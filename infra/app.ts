/**
 * CDK entry (cdk.json: `npx tsx infra/app.ts`). Three stacks per stage:
 *   <prefix>-stateful    network, Aurora + RDS Proxy, DynamoDB, SQS + DLQs, event topic, keys, secrets
 *   <prefix>-api         functions of the route table and topology, REST API + authorizer + WAF, schedules, migrations,
 *                        the advance workflow (Step Functions) and its task functions
 *   <prefix>-monitoring  alarms (SNS + e-mail) and the operations dashboard
 *
 *   npx cdk synth --context stage=dev
 *   npx cdk synth --context stage=prod --context oidcIssuer=https://login.example.com/ --context alarmEmail=ops@example.com
 *   npx cdk synth --context stage=uat --context oidcIssuer=... --context bundling=false   (no esbuild: fast, for checks)
 */
import { App } from 'aws-cdk-lib';
import { buildPlatform, PlatformBuildError } from './stacks/platform';

const app = new App();
try {
  buildPlatform(app);
} catch (error) {
  if (error instanceof PlatformBuildError) {
    // One sentence, no stack trace: the message says what to pass or write.
    console.error(`\n${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
app.synth();
