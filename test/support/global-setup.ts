import type { TestProject } from 'vitest/node';
import { startTestServices } from './services';

/**
 * Starts the real local stand-ins once for the whole run — DynamoDB Local, the SQS/SNS emulator, PostgreSQL and the
 * Secrets Manager seam — on free ports, and hands their endpoints to every test worker through the environment.
 */
export default async function setup(_project: TestProject): Promise<() => Promise<void>> {
  const services = await startTestServices();
  Object.assign(process.env, services.env);
  return () => services.stop();
}
