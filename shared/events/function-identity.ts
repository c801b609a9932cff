import { ACCOUNT_ID_PATTERN, parseArn } from './aws-arn';

/** Where a function runs: what an event must name to be one AWS delivered to it. */
export interface FunctionIdentity {
  partition: string;
  region: string;
  account: string;
}

/** The settings `functionIdentity` falls back on when the context names no ARN (serverless-offline). */
export interface IdentityFallback {
  /** True in deployed stages: there the context always carries the ARN, so no fallback is taken. */
  deployed: boolean;
  /** The stage's own topic ARN; locally it names the sandbox's account (`000000000000`). */
  topicArn: string;
  /** The function's region (`AWS_REGION`). */
  region: string;
}

/**
 * The function's own partition, region and account, from the Lambda context's
 * `invokedFunctionArn` (AWS sets it; a caller cannot). serverless-offline passes
 * `offline_invokedFunctionArn_for_<name>` instead of an ARN: outside deployed stages the account is
 * then the one the stage's own topic lives in (the sandbox's, as the local stage names it) and the
 * region `AWS_REGION`. Undefined when neither gives an account, so every event is refused (fail
 * closed) rather than trusted.
 */
export function functionIdentity(
  context: { invokedFunctionArn?: unknown } | undefined,
  fallback: IdentityFallback,
): FunctionIdentity | undefined {
  const own = parseArn(context?.invokedFunctionArn);
  if (own && own.service === 'lambda' && ACCOUNT_ID_PATTERN.test(own.account) && own.region !== '')
    return { partition: own.partition, region: own.region, account: own.account };
  if (fallback.deployed) return undefined;
  const topic = parseArn(fallback.topicArn);
  if (!topic || !ACCOUNT_ID_PATTERN.test(topic.account) || fallback.region === '') return undefined;
  return { partition: topic.partition, region: fallback.region, account: topic.account };
}
