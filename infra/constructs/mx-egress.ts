import { Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface MxEgressProps {
  /** Availability zones, each with its own NAT gateway and Elastic IP. */
  readonly azs: number;
  readonly logRetention: logs.RetentionDays;
}

/** Where a function that calls MX is placed: a private subnet, HTTPS out only. */
export interface MxEgressPlacement {
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly securityGroups: ec2.ISecurityGroup[];
}

/**
 * Fixed source addresses for MX's IP allow-list (MX answers 403 to any other caller): a VPC
 * whose private subnets leave through one NAT gateway per zone, each on an Elastic IP of its
 * own, so the list to give MX is exactly `addresses`. DynamoDB is reached through a gateway
 * endpoint (free, and keeps result writes off the NAT's per-GB charge); Secrets Manager and
 * Step Functions go through the NAT, which is cheaper than an interface endpoint per zone.
 */
export class MxEgress extends Construct {
  readonly vpc: ec2.Vpc;
  readonly placement: MxEgressPlacement;
  /** The Elastic IPs' public addresses, one per zone. */
  readonly addresses: string[];

  constructor(scope: Construct, id: string, props: MxEgressProps) {
    super(scope, id);
    const zones = Array.from({ length: props.azs }, (_, i) => i);
    // Allocated here, not by the NAT provider, so their addresses can be output; a NAT gateway
    // replaced in an update keeps its address, and MX's allow-list stays right.
    const ips = zones.map(
      (i) =>
        new ec2.CfnEIP(this, `Ip${i + 1}`, {
          domain: 'vpc',
          tags: [{ key: 'Name', value: `mxflow MX egress ${i + 1}` }],
        }),
    );
    this.addresses = ips.map((ip) => ip.attrPublicIp);

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      // Named zones rather than maxAzs: an environment-agnostic stack would otherwise get at most two.
      availabilityZones: zones.map((i) => Fn.select(i, Fn.getAzs())),
      natGateways: props.azs,
      natGatewayProvider: ec2.NatProvider.gateway({ eipAllocationIds: ips.map((ip) => ip.attrAllocationId) }),
      subnetConfiguration: [
        // Holds the NAT gateways only; nothing launched there gets a public address.
        { name: 'Nat', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 28, mapPublicIpOnLaunch: false },
        { name: 'MxCallers', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
      gatewayEndpoints: { DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB } },
      restrictDefaultSecurityGroup: true,
    });

    // Flow logs show which address a refused call left from, in a log group encrypted with its own key.
    const key = new kms.Key(this, 'FlowLogsKey', {
      description: 'mxflow MX egress VPC flow logs',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const region = Stack.of(this).region;
    key.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${region}.amazonaws.com`));
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.logRetention,
      encryptionKey: key,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });

    const securityGroup = new ec2.SecurityGroup(this, 'MxCallersSecurityGroup', {
      vpc: this.vpc,
      description: 'mxflow functions that call MX: HTTPS out only, nothing in',
      allowAllOutbound: false,
    });
    securityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS to MX and AWS APIs through the NAT gateways, and DynamoDB through its endpoint',
    );
    this.placement = {
      vpc: this.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [securityGroup],
    };
  }
}
