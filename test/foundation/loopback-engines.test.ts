import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { startDynamoDbLocal } from '../../infra/local/services/dynamodb-local';
import { startSqsLocal } from '../../infra/local/services/sqs-local';

/**
 * Issue #17, the first hour: the local AWS emulators listen on the loopback interface only, so nobody else on the
 * network reaches a developer's tables and queues. Read from the kernel's socket table (/proc/net/tcp, tcp6), and
 * tried from this machine's own non-loopback address.
 */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const addresses: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of fs.readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== '0A' || !local?.endsWith(`:${hexPort}`)) continue; // 0A: LISTEN
      addresses.push(local.slice(0, local.indexOf(':')));
    }
  }
  return addresses;
}

/** 127.0.0.1, ::1 or 127.0.0.1 mapped into IPv6, as the kernel writes them (little-endian words). */
const LOOPBACK = ['0100007F', '00000000000000000000000001000000', '0000000000000000FFFF00000100007F'];

function reachableFrom(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port, timeout: 2_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

const outsideAddress = Object.values(os.networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

describe('local emulators listen on 127.0.0.1 only', () => {
  for (const [name, start] of [
    ['DynamoDB Local', startDynamoDbLocal],
    ['the SQS/SNS emulator (fauxqs)', startSqsLocal],
  ] as const) {
    it(`${name}: every listening socket is loopback${outsideAddress ? ', and its port is closed on this machine\'s network address' : ''}`, async () => {
      const engine = await start();
      try {
        const port = Number(new URL(engine.endpoint).port);
        const addresses = listeningAddresses(port);
        expect(addresses.length).toBeGreaterThan(0);
        expect(addresses.filter((a) => !LOOPBACK.includes(a))).toEqual([]);
        expect(await reachableFrom('127.0.0.1', port)).toBe(true);
        if (outsideAddress) expect(await reachableFrom(outsideAddress, port)).toBe(false);
      } finally {
        await engine.stop();
      }
    }, 60_000);
  }
});
