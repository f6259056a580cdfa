import { revocationStoreContract } from '../../support/revocation-store-contract';
import { MemoryRevocationStore, TestClock } from '../../support/memory-ports';

// The in-memory revocations the session tests use keep the state table's rules (test/edge/revocation-store.test.ts runs the same contract there).
revocationStoreContract('in memory', () => {
  const clock = new TestClock();
  return { store: new MemoryRevocationStore(clock), nowSeconds: clock.seconds, pass: async (ms) => clock.advance(ms) };
});
