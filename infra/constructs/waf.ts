import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { names } from '../config/names';
import type { StageConfig } from '../config/stages';

export interface ApiFirewallProps {
  readonly config: StageConfig;
  /** ARN of the API Gateway stage to protect. */
  readonly stageArn: string;
}

/**
 * WAFv2 web ACL on the REST API stage: AWS managed rule groups (common exploits, known bad inputs, IP reputation)
 * plus a per-IP rate-based rule that blocks floods before they reach API Gateway throttling or Lambda. Partners'
 * backends listed in `wafExemptCidrs` skip the per-IP rule only (ADR 0013); every request is logged to CloudWatch
 * Logs with the Authorization and Cookie headers redacted.
 */
export class ApiFirewall extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  readonly logGroup: logs.LogGroup;
  readonly exemptIpSet?: wafv2.CfnIPSet;

  constructor(scope: Construct, id: string, props: ApiFirewallProps) {
    super(scope, id);
    const { config } = props;
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName: `${config.prefix}-${metricName}`,
      sampledRequestsEnabled: true,
    });
    const managed = (
      priority: number,
      name: string,
      ruleActionOverrides?: wafv2.CfnWebACL.RuleActionOverrideProperty[],
    ): wafv2.CfnWebACL.RuleProperty => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name, ruleActionOverrides } },
      visibilityConfig: visibility(name),
    });

    const exempt = config.deploy.wafExemptCidrs;
    if (exempt.length) {
      this.exemptIpSet = new wafv2.CfnIPSet(this, 'PartnerIpSet', {
        name: `${config.prefix}-partners`,
        description: 'Partner backends exempt from the per-IP rate rule, context wafExemptCidrs',
        scope: 'REGIONAL',
        ipAddressVersion: 'IPV4',
        addresses: [...exempt],
      });
    }
    const perIp: wafv2.CfnWebACL.RateBasedStatementProperty = {
      limit: config.api.wafRequestsPer5MinPerIp,
      aggregateKeyType: 'IP',
      evaluationWindowSec: 300,
      ...(this.exemptIpSet ? { scopeDownStatement: { notStatement: { statement: { ipSetReferenceStatement: { arn: this.exemptIpSet.attrArn } } } } } : {}),
    };

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: names.webAcl(config),
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('api'),
      rules: [
        {
          name: 'RateLimitPerIp',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: perIp },
          visibilityConfig: visibility('rate-limit-per-ip'),
        },
        managed(1, 'AWSManagedRulesAmazonIpReputationList'),
        // The bulk import (up to 1,000 employees) exceeds the rule group's 8 KB body limit; size is bounded by
        // API Gateway (10 MB) and validated by the handler, so that one rule only counts.
        managed(2, 'AWSManagedRulesCommonRuleSet', [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }]),
        managed(3, 'AWSManagedRulesKnownBadInputsRuleSet'),
      ],
    });

    // WAF requires the `aws-waf-logs-` prefix and the log group ARN without the trailing `:*`.
    const logGroupName = `aws-waf-logs-${config.prefix}-api`;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName,
      retention: config.functions.logRetentionDays as number as logs.RetentionDays,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const logging = new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      logDestinationConfigs: [
        Stack.of(this).formatArn({ service: 'logs', resource: 'log-group', resourceName: logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      ],
      // Bearer tokens and session cookies never reach the logs.
      redactedFields: config.deploy.wafRedactedHeaders.map((name) => ({ singleHeader: { Name: name } })),
    });
    logging.node.addDependency(this.logGroup);

    new wafv2.CfnWebACLAssociation(this, 'StageAssociation', {
      resourceArn: props.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }
}
