/**
 * A fresh rollout identity: the endpoint, the start time and a random suffix (two starts of the
 * same endpoint in one millisecond still differ). Chosen before the record is created, so the
 * start's own history entry and announcement, committed with it, already carry it.
 */
export function newRolloutId(endpointName: string, now: number): string {
  return `${endpointName}@${new Date(now).toISOString()}#${Math.random().toString(36).slice(2, 10)}`;
}
