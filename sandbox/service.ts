/**
 * The contract between the sandbox's HTTP front (protocol codecs, routing, faults) and the
 * service emulations behind it. A service sees decoded input and returns plain output; the
 * front encodes both in the service's wire protocol and turns thrown `AwsError`s into that
 * protocol's error shape.
 */

/** Per-request facts the front extracts before calling an operation. */
export interface RequestContext {
  /** Region from the SigV4 credential scope (each region has its own state). */
  region: string;
  /** The sandbox's fixed account id. */
  accountId: string;
  /** Simulated time, epoch ms (the sandbox clock may run faster than the wall clock). */
  now(): number;
}

/** Decoded input in, plain output out. Throw `AwsError` for AWS-shaped failures. */
export type Operation = (input: Record<string, unknown>, ctx: RequestContext) => unknown | Promise<unknown>;

export interface ServiceEmulation {
  /** Lower-case service id as in the SigV4 scope: sagemaker, monitoring, sns, ssm, dynamodb. */
  readonly signingName: string;
  readonly operations: Readonly<Record<string, Operation>>;
}

/** The sandbox account id used in every ARN. */
export const SANDBOX_ACCOUNT_ID = '000000000000';
