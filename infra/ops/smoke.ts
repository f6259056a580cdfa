/**
 * First-deploy smoke test (docs/operations.md): `npm run smoke -- --url <api base url> --token <jwt> [--alarm-topic-arn <arn>]`.
 *
 * Checks, and prints, what an operator needs after `cdk deploy`: liveness (GET /api/v1/health), readiness of every
 * dependency (GET /api/v1/ready), one authenticated read (GET /api/v1/organizations?limit=1 with the token), and that
 * the alarm topic has a confirmed subscriber (AWS SDK, the caller's credentials; the ARN is the monitoring stack's
 * AlarmTopicArn output). Against a local stack (localhost) the alarm check is reported as not applicable.
 * Exit code 0 when every applicable check passed, 1 otherwise.
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { API_PREFIX } from '../../functions/shared/routes';

export interface SmokeCheck {
  readonly name: string;
  readonly outcome: 'pass' | 'fail' | 'not applicable';
  readonly detail: string;
}

export interface SmokeOptions {
  readonly url: string;
  readonly token: string;
  readonly alarmTopicArn?: string;
  readonly timeoutMs?: number;
}

const isLocal = (url: URL) => ['localhost', '127.0.0.1', '::1', '[::1]'].includes(url.hostname);

export async function runSmoke(options: SmokeOptions): Promise<SmokeCheck[]> {
  const base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
  const timeoutMs = options.timeoutMs ?? 15_000;
  const get = async (name: string, path: string, token?: string): Promise<SmokeCheck> => {
    const target = new URL(`${base.pathname.replace(/\/$/, '')}${API_PREFIX}${path}`, base);
    const started = Date.now();
    try {
      const response = await fetch(target, {
        headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        signal: AbortSignal.timeout(timeoutMs),
      });
      const ms = Date.now() - started;
      const body = await response.text();
      const ok = response.status === 200;
      return { name, outcome: ok ? 'pass' : 'fail', detail: `GET ${target.pathname}${target.search} → ${response.status} in ${ms} ms${ok ? '' : `: ${body.slice(0, 300)}`}` };
    } catch (error) {
      return { name, outcome: 'fail', detail: `GET ${target.pathname}${target.search} → ${error instanceof Error ? error.message : String(error)}` };
    }
  };

  const checks = [
    await get('health', '/health'),
    await get('readiness', '/ready'),
    await get('authenticated read', '/organizations?limit=1', options.token),
  ];
  checks.push(await alarmTopicCheck(base, options.alarmTopicArn));
  return checks;
}

async function alarmTopicCheck(base: URL, topicArn: string | undefined): Promise<SmokeCheck> {
  const name = 'alarm topic subscription';
  if (isLocal(base)) return { name, outcome: 'not applicable', detail: 'local stack: alarms are CloudWatch-only; nothing to subscribe to' };
  if (!topicArn) return { name, outcome: 'fail', detail: 'pass --alarm-topic-arn <the monitoring stack AlarmTopicArn output>' };
  try {
    const { SNSClient, ListSubscriptionsByTopicCommand } = await import('@aws-sdk/client-sns');
    const region = topicArn.split(':')[3];
    const sns = new SNSClient({ region });
    const subscriptions = [];
    let next: string | undefined;
    do {
      const page = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: next }));
      subscriptions.push(...(page.Subscriptions ?? []));
      next = page.NextToken;
    } while (next);
    const confirmed = subscriptions.filter((s) => s.SubscriptionArn && s.SubscriptionArn.startsWith('arn:'));
    const pending = subscriptions.length - confirmed.length;
    const summary = `${confirmed.length} confirmed (${confirmed.map((s) => s.Protocol).join(', ') || 'none'}), ${pending} pending confirmation`;
    return confirmed.length > 0
      ? { name, outcome: 'pass', detail: summary }
      : { name, outcome: 'fail', detail: `${summary}: confirm the e-mail/HTTPS subscription, or alarms reach nobody` };
  } catch (error) {
    return { name, outcome: 'fail', detail: `ListSubscriptionsByTopic failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

export function formatSmoke(checks: readonly SmokeCheck[]): string {
  const mark = { pass: 'PASS', fail: 'FAIL', 'not applicable': 'N/A ' } as const;
  return checks.map((c) => `${mark[c.outcome]}  ${c.name}: ${c.detail}`).join('\n');
}

async function main(argv: string[]): Promise<number> {
  const usage = 'usage: npm run smoke -- --url <api base url> --token <jwt> [--alarm-topic-arn <arn>]';
  let values: { url?: string; token?: string; 'alarm-topic-arn'?: string };
  try {
    ({ values } = parseArgs({ args: argv, options: { url: { type: 'string' }, token: { type: 'string' }, 'alarm-topic-arn': { type: 'string' } } }));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}; ${usage}`);
    return 2;
  }
  if (!values.url || !values.token) {
    console.error(`Missing ${!values.url ? '--url' : '--token'}; ${usage}`);
    return 2;
  }
  const checks = await runSmoke({ url: values.url, token: values.token, alarmTopicArn: values['alarm-topic-arn'] ?? process.env.ALARM_TOPIC_ARN });
  console.log(formatSmoke(checks));
  return checks.some((c) => c.outcome === 'fail') ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
