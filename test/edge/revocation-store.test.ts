import { dynamoRevocationStore } from '#shared/auth/revocation';
import { revocationStoreContract } from '../support/revocation-store-contract';
import { testEnv } from '../support/env';

// Revocations in the state table (DynamoDB Local), held to the same contract as the unit tier's in-memory store.
revocationStoreContract('DynamoDB state table', () => ({
  store: dynamoRevocationStore(testEnv().stateTable),
  nowSeconds: () => Math.floor(Date.now() / 1000),
  pass: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}));
