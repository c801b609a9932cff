import { createHash } from 'node:crypto';

/**
 * Short hash of a stored policy text. The tick adopts a stored policy only when its hash differs
 * from the one recorded on the rollout, so a rollout started with a policy in the request is not
 * silently replaced by an older stored one.
 */
export function policyTextHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
