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

/**
 * What a function needs to connect as the application user with IAM authentication (PlatformFunction.bindDatabase):
 * through RDS Proxy where the stage has one (prod), else straight to the writer (dev, uat: ADR 0014).
 */
export interface DatabaseAccess {
  readonly connectEndpoint: string;
  readonly connectPort: number;
  readonly databaseName: string;
  readonly appUser: string;
  /** Read-only proxy endpoint on the Aurora readers (stages with readers); read-only routes use it (ADR 0017). */
  readonly readerEndpoint?: string;
  /** rds-db:connect as `user` on the proxy or the cluster, whichever functions connect to. */
  grantConnect(grantee: iam.IGrantable, user: string): void;
}

/**
 * Where the Lambda runtime keeps the RDS certificate authorities (nodejs20.x and later no longer trust them by
 * default). Functions that reach the cluster directly verify its certificate against this bundle; the proxy's
 * certificate chains to a public CA, which the default store already trusts.
 */
export const LAMBDA_RDS_CA_BUNDLE = '/var/runtime/ca-cert.pem';

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
  /** Only where config.deploy.rdsProxy (prod). */
  readonly proxy?: rds.DatabaseProxy;
  readonly connectEndpoint: string;
  readonly connectPort: number;
  /** Read-only proxy endpoint on the Aurora readers (prod: proxy and readers); read-only routes use it (ADR 0017). */
  readonly readerEndpoint?: string;
  readonly databaseName: string;
  readonly appUser: string;
  readonly masterUser = MASTER_USER;
  readonly masterSecret: secretsmanager.ISecret;
  readonly clusterEndpoint: string;
  readonly clusterPort: number;
  readonly clusterIdentifier: string;
  readonly securityGroup: ec2.SecurityGroup;
  readonly proxySecurityGroup?: ec2.SecurityGroup;
  readonly maxCapacityAcu: number;
  private readonly dbUserArn: (user: string) => string;

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
      description: 'Aurora cluster: PostgreSQL from RDS Proxy (or in-VPC functions without one) and the migrations function only',
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
      // A stage without a proxy may pause at 0 ACU when idle (RDS Proxy would hold connections and keep it awake).
      serverlessV2MinCapacity: config.deploy.databaseAutoPauseMinutes !== undefined ? 0 : db.minCapacityAcu,
      serverlessV2AutoPauseDuration:
        config.deploy.databaseAutoPauseMinutes !== undefined ? Duration.minutes(config.deploy.databaseAutoPauseMinutes) : undefined,
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
    this.dbUserArn = (user: string) =>
      stack.formatArn({
        service: 'rds-db',
        resource: 'dbuser',
        resourceName: `${this.cluster.clusterResourceIdentifier}/${user}`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    if (config.deploy.rdsProxy) {
      const proxySecurityGroup = new ec2.SecurityGroup(this, 'ProxySecurityGroup', {
        vpc: network.vpc,
        description: 'RDS Proxy: PostgreSQL from in-VPC functions, to the cluster',
        allowAllOutbound: false,
      });
      this.proxySecurityGroup = proxySecurityGroup;
      const proxyRole = new iam.Role(this, 'ProxyRole', {
        assumedBy: new iam.ServicePrincipal('rds.amazonaws.com'),
        description: 'RDS Proxy: end-to-end IAM authentication to the cluster as the application user',
      });
      proxyRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['rds-db:connect'],
          resources: [this.dbUserArn(db.appUser)],
        }),
      );
      const proxy = new rds.DatabaseProxy(this, 'Proxy', {
        dbProxyName: names.proxy(config),
        proxyTarget: rds.ProxyTarget.fromCluster(this.cluster),
        vpc: network.vpc,
        vpcSubnets: network.dataSubnets,
        securityGroups: [proxySecurityGroup],
        role: proxyRole,
        defaultAuthScheme: rds.DefaultAuthScheme.IAM_AUTH,
        iamAuth: true,
        requireTLS: true,
        idleClientTimeout: Duration.minutes(30),
        maxConnectionsPercent: 80,
        borrowTimeout: Duration.seconds(10),
      });
      this.proxy = proxy;
      this.connectEndpoint = proxy.endpoint;
      this.connectPort = PROXY_PORT;
      if (db.readers > 0) {
        this.readerEndpoint = new rds.CfnDBProxyEndpoint(this, 'ReaderEndpoint', {
          dbProxyName: proxy.dbProxyName,
          dbProxyEndpointName: `${config.prefix}-reader`,
          targetRole: 'READ_ONLY',
          vpcSubnetIds: network.vpc.selectSubnets(network.dataSubnets).subnetIds,
          vpcSecurityGroupIds: [proxySecurityGroup.securityGroupId],
        }).attrEndpoint;
      }
      proxySecurityGroup.addIngressRule(network.functionsSecurityGroup, ec2.Port.tcp(PROXY_PORT), 'In-VPC functions to the proxy');
      network.functionsSecurityGroup.addEgressRule(proxySecurityGroup, ec2.Port.tcp(PROXY_PORT), 'PostgreSQL to RDS Proxy');
      proxySecurityGroup.addEgressRule(this.securityGroup, ec2.Port.tcp(db.port), 'Proxy to the cluster');
      this.securityGroup.addIngressRule(proxySecurityGroup, ec2.Port.tcp(db.port), 'RDS Proxy to the cluster');
    } else {
      // No proxy (dev, uat): functions log in to the writer with IAM tokens and verify its RDS certificate.
      this.connectEndpoint = this.clusterEndpoint;
      this.connectPort = db.port;
      this.securityGroup.addIngressRule(network.functionsSecurityGroup, ec2.Port.tcp(db.port), 'In-VPC functions to the cluster (no proxy in this stage)');
      network.functionsSecurityGroup.addEgressRule(this.securityGroup, ec2.Port.tcp(db.port), 'PostgreSQL to the cluster (no proxy in this stage)');
    }
    this.securityGroup.addIngressRule(network.migrationsSecurityGroup, ec2.Port.tcp(db.port), 'Migrations function to the cluster');
    network.migrationsSecurityGroup.addEgressRule(this.securityGroup, ec2.Port.tcp(db.port), 'PostgreSQL to the cluster (migrations)');

    if (!db.deletionProtection) {
      Validations.of(this.cluster).acknowledge({
        id: 'AwsSolutions-RDS10',
        reason: `Stage ${config.stage} is disposable: its cluster is destroyed with the stack. uat and prod enable deletion protection.`,
      });
    }
  }

  grantConnect(grantee: iam.IGrantable, user: string): void {
    if (this.proxy) {
      this.proxy.grantConnect(grantee, user);
      return;
    }
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['rds-db:connect'], resources: [this.dbUserArn(user)] }));
  }

  /** Maximum connections Aurora PostgreSQL allows at the maximum ACU: LEAST(memory / 9531392, 5000), 1 ACU ≈ 2 GiB. */
  get maxConnectionsAtMaxCapacity(): number {
    return Math.min(Math.floor((this.maxCapacityAcu * 2 * 1024 ** 3) / 9_531_392), 5000);
  }
}
