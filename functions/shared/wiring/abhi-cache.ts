import { DynamoResponseCache } from '#shared/abhi/dynamodb-adapters';
import { dynamoDocumentClient } from '#shared/adapters/dynamodb/client';
import { envVar, loadConfig } from '#shared/config';

let cache: DynamoResponseCache | undefined;

/** The Abhi client's response cache itself (state table), without a client: for consumers that only drop entries. */
export function abhiResponseCache(): DynamoResponseCache {
  return (cache ??= new DynamoResponseCache({ client: dynamoDocumentClient(), tableName: loadConfig({ STATE_TABLE_NAME: envVar.text() }).STATE_TABLE_NAME }));
}
