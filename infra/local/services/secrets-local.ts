import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { assertPortFree, freePort } from '../ports';

/**
 * A Secrets Manager stand-in speaking the service's JSON 1.1 protocol for GetSecretValue and PutSecretValue, so
 * functions use the real `@aws-sdk/client-secrets-manager` (through Powertools Parameters) pointed at it with
 * `AWS_ENDPOINT_URL_SECRETS_MANAGER`. No emulator for Secrets Manager exists on npm; this is the documented seam.
 */
export interface SecretsLocal {
  readonly endpoint: string;
  put(name: string, value: unknown): void;
  stop(): Promise<void>;
}

export async function startSecretsLocal(options: { port?: number; secrets?: Record<string, unknown> } = {}): Promise<SecretsLocal> {
  const port = options.port ?? (await freePort());
  if (options.port) await assertPortFree(port, 'SECRETS_PORT');
  const secrets = new Map<string, { value: string; versionId: string; created: number }>();
  const put = (name: string, value: unknown) =>
    secrets.set(name, { value: typeof value === 'string' ? value : JSON.stringify(value), versionId: randomUUID(), created: Date.now() / 1000 });
  for (const [name, value] of Object.entries(options.secrets ?? {})) put(name, value);

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(payload));
      };
      let input: { SecretId?: string; SecretString?: string };
      try {
        input = JSON.parse(body || '{}');
      } catch {
        return reply(400, { __type: 'InvalidRequestException', message: 'Malformed JSON' });
      }
      const id = input.SecretId ?? '';
      if (target === 'secretsmanager.GetSecretValue') {
        const secret = secrets.get(id) ?? secrets.get(id.split(':').at(-1) ?? '');
        if (!secret) return reply(400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
        return reply(200, {
          ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${id}`,
          Name: id,
          SecretString: secret.value,
          VersionId: secret.versionId,
          VersionStages: ['AWSCURRENT'],
          CreatedDate: secret.created,
        });
      }
      if (target === 'secretsmanager.PutSecretValue') {
        put(id, input.SecretString ?? '');
        return reply(200, { ARN: id, Name: id, VersionId: secrets.get(id)!.versionId, VersionStages: ['AWSCURRENT'] });
      }
      return reply(400, { __type: 'UnsupportedOperation', message: `${target} is not supported by the local stand-in` });
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${port}`,
    put,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
