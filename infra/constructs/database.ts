import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { names } from '../config/names';
import type { StageConfig } from '../config/stages';
import type { PlatformNetwork } from './network';

/** What a function needs to connect as the application user through the proxy (see PlatformFunction.bindDatabase). */
export interface DatabaseAccess {
  readonly proxy: rds.IDatabaseProxy;
  readonly proxyEndpoint: string;
  readonly proxyPort: number;
  readonly databaseName: string;
  readonly appUser: string;
  /** Read-only proxy endpoint on the Aurora readers (stages with readers); read-only routes use it (ADR 0017). */
  readonly readerEndpoint?: string;
}

/** What the migrations function needs: the writer endpoint and the RDS-managed master secret. */
export interface MigrationAccess {
  readonly clusterEndpoint: string;
  readonly clusterPort: number;
  readonly databaseName: string;
  readonly masterUser: string;
  readonly masterSecret: secretsmanager.ISecret;
  readonly appUser: string;
}

export interface PlatformDatabaseProps {
  readonly config: StageConfig;
  readonly network: PlatformNetwork;
  /** Encrypts storage, Performance Insights and backups (a CMK so snapshots can be shared for DR). */
  readonly storageKey: kms.IKey;
  /** Encrypts the RDS-managed master secret. */
  readonly secretsKey: kms.IKey;
}

const MASTER_USER = 'abhi_admin';
const PROXY_PORT = 5432;

/**
 * Aurora Serverless v2 PostgreSQL 16 behind RDS Proxy with end-to-end IAM authentication (ADR 0002):
 * functions sign a 15-minute token for `abhi_app` (rds-db:connect on that proxy user), the proxy signs its own token
 * to the cluster. No application password exists. The master password is generated, stored and rotated by RDS in
 * Secrets Manager (encrypted with the secrets CMK); only the migrations function reads it.
 */
export class PlatformDatabase extends Construct implements DatabaseAccess, MigrationAccess {
  readonly cluster: rds.DatabaseCluster;
  readonly proxy: rds.DatabaseProxy;
  readonly proxyEndpoint: string;
  readonly readerEndpoint?: string;
  readonly proxyPort = PROXY_PORT;
  readonly databaseName: string;
  readonly appUser: string;
  readonly masterUser = MASTER_USER;
  readonly masterSecret: secretsmanager.ISecret;
  readonly clusterEndpoint: string;
  readonly clusterPort: number;
  readonly clusterIdentifier: string;
  readonly securityGroup: ec2.SecurityGroup;
  readonly proxySecurityGroup: ec2.SecurityGroup;
  readonly maxCapacityAcu: number;

  constructor(scope: Construct, id: string, props: PlatformDatabaseProps) {
    super(scope, id);
    const { config, network } = props;
    const db = config.database;
    this.databaseName = db.name;
    this.appUser = db.appUser;
    this.clusterIdentifier = names.cluster(config);
    this.clusterPort = db.port;
    this.maxCapacityAcu = db.maxCapacityAcu;

    this.securityGroup = new ec2.SecurityGroup(this, 'ClusterSecurityGroup', {
      vpc: network.vpc,
      description: 'Aurora cluster: PostgreSQL from RDS Proxy and the migrations function only',
      allowAllOutbound: false,
    });
    this.proxySecurityGroup = new ec2.SecurityGroup(this, 'ProxySecurityGroup', {
      vpc: network.vpc,
      description: 'RDS Proxy: PostgreSQL from in-VPC functions, to the cluster',
      allowAllOutbound: false,
    });

    // Created before the cluster so RDS writes into a group that has a retention (it would create one without).
    const postgresLogs = new logs.LogGroup(this, 'PostgresLogs', {
      logGroupName: `/aws/rds/cluster/${this.clusterIdentifier}/postgresql`,
      retention: config.functions.logRetentionDays as number as logs.RetentionDays,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    const instanceDefaults = { enablePerformanceInsights: true, publiclyAccessible: false, autoMinorVersionUpgrade: true } as const;
    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      clusterIdentifier: this.clusterIdentifier,
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_6 }),
      writer: rds.ClusterInstance.serverlessV2('writer', instanceDefaults),
      readers: Array.from({ length: db.readers }, (_, i) =>
        rds.ClusterInstance.serverlessV2(`reader${i + 1}`, { ...instanceDefaults, scaleWithWriter: true }),
      ),
      serverlessV2MinCapacity: db.minCapacityAcu,
      serverlessV2MaxCapacity: db.maxCapacityAcu,
      vpc: network.vpc,
      vpcSubnets: network.dataSubnets,
      securityGroups: [this.securityGroup],
      port: db.port,
      defaultDatabaseName: db.name,
      credentials: rds.Credentials.fromUsername(MASTER_USER),
      manageMasterUserPassword: true,
      storageEncrypted: true,
      storageEncryptionKey: props.storageKey,
      performanceInsightEncryptionKey: props.storageKey,
      iamAuthentication: true,
      backup: { retention: Duration.days(db.backupRetentionDays), preferredWindow: '22:00-23:00' },
      preferredMaintenanceWindow: 'fri:23:30-sat:00:30',
      deletionProtection: db.deletionProtection,
      removalPolicy: config.retainData ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
      cloudwatchLogsExports: ['postgresql'],
      copyTagsToSnapshot: true,
      parameters: {
        'rds.force_ssl': '1',
        // Statements slower than a second are logged (no values: parameters are not logged with this setting).
        log_min_duration_statement: '1000',
      },
    });
    this.cluster.node.addDependency(postgresLogs);
    const cfnCluster = this.cluster.node.defaultChild as rds.CfnDBCluster;
    // RDS generates, stores and rotates the master password; encrypt that secret with our CMK rather than aws/secretsmanager.
    cfnCluster.addPropertyOverride('MasterUserSecret.KmsKeyId', props.secretsKey.keyArn);
    this.masterSecret = secretsmanager.Secret.fromSecretAttributes(this, 'MasterSecret', {
      secretCompleteArn: cfnCluster.attrMasterUserSecretSecretArn,
      encryptionKey: props.secretsKey,
    });
    this.clusterEndpoint = this.cluster.clusterEndpoint.hostname;

    const stack = Stack.of(this);
    const proxyRole = new iam.Role(this, 'ProxyRole', {
      assumedBy: new iam.ServicePrincipal('rds.amazonaws.com'),
      description: 'RDS Proxy: end-to-end IAM authentication to the cluster as the application user',
    });
    proxyRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['rds-db:connect'],
        resources: [
          stack.formatArn({
            service: 'rds-db',
            resource: 'dbuser',
            resourceName: `${this.cluster.clusterResourceIdentifier}/${db.appUser}`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );

    this.proxy = new rds.DatabaseProxy(this, 'Proxy', {
      dbProxyName: `${config.prefix}-proxy`,
      proxyTarget: rds.ProxyTarget.fromCluster(this.cluster),
      vpc: network.vpc,
      vpcSubnets: network.dataSubnets,
      securityGroups: [this.proxySecurityGroup],
      role: proxyRole,
      defaultAuthScheme: rds.DefaultAuthScheme.IAM_AUTH,
      iamAuth: true,
      requireTLS: true,
      idleClientTimeout: Duration.minutes(30),
      maxConnectionsPercent: 80,
      borrowTimeout: Duration.seconds(10),
    });
    this.proxyEndpoint = this.proxy.endpoint;
    if (db.readers > 0) {
      this.readerEndpoint = new rds.CfnDBProxyEndpoint(this, 'ReaderEndpoint', {
        dbProxyName: this.proxy.dbProxyName,
        dbProxyEndpointName: `${config.prefix}-reader`,
        targetRole: 'READ_ONLY',
        vpcSubnetIds: network.vpc.selectSubnets(network.dataSubnets).subnetIds,
        vpcSecurityGroupIds: [this.proxySecurityGroup.securityGroupId],
      }).attrEndpoint;
    }

    this.proxySecurityGroup.addIngressRule(network.functionsSecurityGroup, ec2.Port.tcp(PROXY_PORT), 'In-VPC functions to the proxy');
    network.functionsSecurityGroup.addEgressRule(this.proxySecurityGroup, ec2.Port.tcp(PROXY_PORT), 'PostgreSQL to RDS Proxy');
    this.proxySecurityGroup.addEgressRule(this.securityGroup, ec2.Port.tcp(db.port), 'Proxy to the cluster');
    this.securityGroup.addIngressRule(this.proxySecurityGroup, ec2.Port.tcp(db.port), 'RDS Proxy to the cluster');
    this.securityGroup.addIngressRule(network.migrationsSecurityGroup, ec2.Port.tcp(db.port), 'Migrations function to the cluster');
    network.migrationsSecurityGroup.addEgressRule(this.securityGroup, ec2.Port.tcp(db.port), 'PostgreSQL to the cluster (migrations)');

    if (!db.deletionProtection) {
      Validations.of(this.cluster).acknowledge({
        id: 'AwsSolutions-RDS10',
        reason: `Stage ${config.stage} is disposable: its cluster is destroyed with the stack. uat and prod enable deletion protection.`,
      });
    }
  }

  /** Maximum connections Aurora PostgreSQL allows at the maximum ACU: LEAST(memory / 9531392, 5000), 1 ACU ≈ 2 GiB. */
  get maxConnectionsAtMaxCapacity(): number {
    return Math.min(Math.floor((this.maxCapacityAcu * 2 * 1024 ** 3) / 9_531_392), 5000);
  }
}
