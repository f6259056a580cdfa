import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import type { TableDefinition } from '../../functions/shared/adapters/dynamodb/tables';
import type { StageConfig } from '../config/stages';

export interface PlatformTableProps {
  readonly config: StageConfig;
  readonly definition: TableDefinition;
}

/**
 * A DynamoDB table built from its design in tables.ts: on-demand, TTL on the design's attribute, point-in-time
 * recovery, deletion protection outside dev, encrypted with the AWS managed key (ADR 0005 says why not a CMK).
 */
export class PlatformTable extends dynamodb.Table {
  readonly definition: TableDefinition;

  constructor(scope: Construct, id: string, props: PlatformTableProps) {
    const { config, definition } = props;
    super(scope, id, {
      tableName: `${config.prefix}-${definition.logicalName}`,
      partitionKey: { name: definition.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: definition.sortKey ? { name: definition.sortKey, type: dynamodb.AttributeType.STRING } : undefined,
      timeToLiveAttribute: definition.ttlAttribute,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: config.stage !== 'dev',
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.definition = definition;
  }
}
