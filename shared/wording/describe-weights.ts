/**
 * The words of what happened to a decision's traffic weights on the endpoint: appended to the
 * decision's reason when they did not land, and the reasons reconcile gives for holding a run.
 */

/** How far a weight change got: none to make, applied, deferred (endpoint busy) or failed (with the error). */
type WeightsStatus = 'none' | 'applied' | 'sent' | 'deferred' | 'failed';

/** A decision's reason followed by what happened to its weights when they did not simply land. */
export function withWeightsOutcome(reason: string, weights: WeightsStatus, error?: string): string {
  if (weights === 'deferred')
    return `${reason} The endpoint is busy; the new weights are applied on the next run.`;
  if (weights === 'failed')
    return `${reason} The new weights could not be applied (${error}); the next run retries.`;
  return reason;
}

/** Why no weights were sent: the endpoint lacks policy variants (never send weights to unverified names). */
export function describeVariantsNotOnEndpoint(missing: ReadonlyArray<string>): string {
  return `variant(s) ${missing.join(', ')} not on the endpoint`;
}

/** A started rollout's reason, and why its first weights are not on the endpoint yet when they are not. */
export function withFirstWeightsOutcome(reason: string, error: string | undefined): string {
  return error
    ? `${reason} The first weights could not be applied yet (${error}); the next run retries.`
    : reason;
}

/** Why reconcile holds this run while it drives the stored intent (canary percent) onto the endpoint; `error` only when it did not land. */
export function describePendingWeights(
  canaryWeight: number,
  status: Exclude<WeightsStatus, 'none'>,
  error?: string,
): string {
  return `pending weights (canary ${canaryWeight}%) ${status}${error ? `: ${error}` : ''}`;
}

/** The history entry of a repaired intent: the weights the stored state intends were sent again. */
export function describeReconciled(canaryWeight: number | null): string {
  return `Reconciled: sent the weights the stored state intends (canary ${canaryWeight}%) again; the endpoint had not received them.`;
}

/** Why reconcile holds while someone changes the endpoint (`Updating`, ...). */
export function describeEndpointBusy(status: string): string {
  return `endpoint is ${status}; trying again next run`;
}

/** Why reconcile holds when DescribeEndpoint failed (after the SDK's retries). */
export function describeEndpointUnreadable(error: string): string {
  return `endpoint unavailable: ${error}`;
}
