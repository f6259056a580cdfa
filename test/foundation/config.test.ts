import { describe, expect, it } from 'vitest';
import { envVar, loadConfig, ConfigurationError } from '#shared/config';
import { assertPortFree } from '../../infra/local/ports';
import net from 'node:net';

describe('configuration fails fast with one sentence naming the fix', () => {
  it('names a missing variable', () => {
    expect(() => loadConfig({ ABHI_BASE_URL: envVar.url() }, {})).toThrowError(ConfigurationError);
    expect(() => loadConfig({ ABHI_BASE_URL: envVar.url() }, {})).toThrowError(/^Environment variable ABHI_BASE_URL is not set: set it/);
  });

  it('names a malformed variable', () => {
    expect(() => loadConfig({ PORT: envVar.port() }, { PORT: 'eighty' })).toThrowError(/^Environment variable PORT is invalid/);
  });

  it('parses valid values once', () => {
    expect(loadConfig({ PORT: envVar.port(), FLAG: envVar.flag(), LIST: envVar.list() }, { PORT: '3000', FLAG: 'true', LIST: 'a, b' })).toEqual({
      PORT: 3000,
      FLAG: true,
      LIST: ['a', 'b'],
    });
  });

  it('a port in use is reported with the variable that changes it', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await expect(assertPortFree(port, 'PORT')).rejects.toThrow(`Port ${port} is already in use: stop the process holding it or choose another port with PORT=<port>.`);
    server.close();
  });
});
