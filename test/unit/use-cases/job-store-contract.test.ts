import { jobStoreContract } from '../../support/job-store-contract';
import { MemoryJobStore, TestClock } from '../../support/memory-ports';

// The in-memory job store the use-case tests use keeps the DynamoDB store's rules (test/foundation/claims.test.ts runs the same contract there).
jobStoreContract('in memory', () => {
  const clock = new TestClock();
  return { store: new MemoryJobStore(clock), pass: async (ms) => clock.advance(ms) };
});
