import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/stages';

const VPC_CIDR = '10.40.0.0/16';

/**
 * The VPC (ADR 0003): public subnets hold only the NAT gateways; `app` subnets (private, egress through NAT) hold
 * the ENIs of functions that use the database, which also call Abhi on the internet; `data` subnets (isolated, no
 * route out) hold Aurora and RDS Proxy. DynamoDB is reached through a free gateway endpoint, so state-table traffic
 * never pays NAT processing. Functions that don't use the database stay outside the VPC.
 */
export class PlatformNetwork extends Construct {
  readonly vpc: ec2.Vpc;
  /** In-VPC functions: HTTPS out (Abhi, AWS APIs through NAT) and PostgreSQL to the proxy, nothing in. */
  readonly functionsSecurityGroup: ec2.SecurityGroup;
  /** The migrations function: HTTPS out (Secrets Manager) and PostgreSQL straight to the cluster. */
  readonly migrationsSecurityGroup: ec2.SecurityGroup;
  readonly appSubnets: ec2.SubnetSelection = { subnetGroupName: 'app' };
  readonly dataSubnets: ec2.SubnetSelection = { subnetGroupName: 'data' };

  constructor(scope: Construct, id: string, props: { config: StageConfig }) {
    super(scope, id);
    const { config } = props;
    // dev/uat: one NAT instance (outbound only; inbound HTTPS from the VPC added below); prod: managed NAT gateways.
    const natInstance = config.deploy.natInstanceType
      ? ec2.NatProvider.instanceV2({
          instanceType: new ec2.InstanceType(config.deploy.natInstanceType),
          associatePublicIpAddress: true,
          defaultAllowedTraffic: ec2.NatTrafficDirection.OUTBOUND_ONLY,
        })
      : undefined;
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      vpcName: `${config.prefix}-vpc`,
      ipAddresses: ec2.IpAddresses.cidr(VPC_CIDR),
      maxAzs: config.network.maxAzs,
      natGateways: config.network.natGateways,
      natGatewayProvider: natInstance,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
        { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      gatewayEndpoints: { DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB } },
      restrictDefaultSecurityGroup: true,
    });
    if (natInstance) {
      // In-VPC functions only speak HTTPS out (their security groups say so); the NAT instance admits nothing else.
      natInstance.connections.allowFrom(ec2.Peer.ipv4(VPC_CIDR), ec2.Port.tcp(443), 'HTTPS from in-VPC functions');
      for (const instance of natInstance.gatewayInstances) {
        (instance.node.defaultChild as ec2.CfnInstance).addPropertyOverride('MetadataOptions', { HttpTokens: 'required' });
        Validations.of(instance).acknowledge(
          { id: 'AwsSolutions-EC26', reason: 'The NAT instance keeps no data: its root volume holds only the operating system; traffic passes through memory.' },
          { id: 'AwsSolutions-EC28', reason: 'Basic monitoring suffices for a NAT instance of a non-production stage; its failure shows as Abhi call errors and Lambda timeouts, which alarm.' },
          { id: 'AwsSolutions-EC29', reason: 'The NAT instance is stateless and replaceable: redeploying the stack recreates it; termination protection would block that.' },
        );
      }
    }
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      retention: config.functions.logRetentionDays as number as logs.RetentionDays,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // Rejected flows only: enough to debug a security-group mistake without paying for every accepted packet.
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });

    this.functionsSecurityGroup = new ec2.SecurityGroup(this, 'FunctionsSecurityGroup', {
      vpc: this.vpc,
      description: 'In-VPC Lambda functions: HTTPS out, PostgreSQL to RDS Proxy, no inbound',
      allowAllOutbound: false,
    });
    this.functionsSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to Abhi and AWS APIs through NAT');

    this.migrationsSecurityGroup = new ec2.SecurityGroup(this, 'MigrationsSecurityGroup', {
      vpc: this.vpc,
      description: 'Migrations function: HTTPS out (Secrets Manager), PostgreSQL to the cluster, no inbound',
      allowAllOutbound: false,
    });
    this.migrationsSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to Secrets Manager through NAT');
  }
}
