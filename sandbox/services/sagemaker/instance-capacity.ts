/**
 * Instance capacity in the SageMaker emulation: which instance types a region cannot provision,
 * and the reason SageMaker reports on an endpoint whose deployment needed one of them.
 */

/**
 * The `FailureReason` SageMaker gives when it cannot get instances for a deployment (as AWS's
 * troubleshooting guide for failed endpoint creates and updates quotes it).
 */
export const INSUFFICIENT_CAPACITY_REASON =
  'Unable to provision requested ML compute capacity due to InsufficientInstanceCapacity error';

/** The part of a production variant that decides whether it can be provisioned. */
export interface CapacityDemand {
  VariantName: string;
  InstanceType?: string | undefined;
}

/** Answers whether `instanceType` has no capacity left in `region`. */
export type CapacityCheck = (region: string, instanceType: string) => boolean;

/**
 * The first variant (in config order) whose instance type `isExhausted` says `region` cannot
 * provision, or `undefined` when every variant can be placed. A blue/green update provisions a
 * whole new fleet, so every variant of the new config counts, changed or not; a variant without
 * an instance type (serverless) needs none.
 */
export function firstVariantShortOfCapacity<T extends CapacityDemand>(
  variants: readonly T[],
  region: string,
  isExhausted: CapacityCheck,
): T | undefined {
  return variants.find((v) => typeof v.InstanceType === 'string' && isExhausted(region, v.InstanceType));
}

/**
 * Combines a fixed set of unavailable instance types per region (a sandbox option) with a live
 * check (faults): a type is exhausted when either says so.
 */
export function capacityCheck(
  unavailable: Readonly<Record<string, readonly string[]>> | undefined,
  live?: CapacityCheck,
): CapacityCheck {
  return (region, instanceType) =>
    (unavailable?.[region]?.includes(instanceType) ?? false) || (live?.(region, instanceType) ?? false);
}
