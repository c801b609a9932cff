/**
 * AWS regions a policy may name: commercial, GovCloud and China partitions. A typo such as
 * `us-east-l` must be refused at validation, not discovered as a DNS failure at 3 a.m.
 * Add a region here when AWS opens one.
 */
export const AWS_REGIONS: ReadonlySet<string> = new Set([
  // commercial
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-south-1',
  'ap-south-2',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-central-1',
  'ca-west-1',
  'eu-central-1',
  'eu-central-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-south-1',
  'eu-south-2',
  'eu-north-1',
  'il-central-1',
  'me-south-1',
  'me-central-1',
  'mx-central-1',
  'sa-east-1',
  // GovCloud
  'us-gov-east-1',
  'us-gov-west-1',
  // China
  'cn-north-1',
  'cn-northwest-1',
]);

/** True when `region` is a region the watchdog knows. */
export function isKnownRegion(region: string): boolean {
  return AWS_REGIONS.has(region);
}
