/**
 * The rollout engine's public API. Pure: no AWS SDK, no environment, no clock — `now` (epoch ms)
 * is always passed in, and decisions are returned as values.
 */
export { applyAlarm } from './apply-alarm';
export { applyCommand } from './apply-command';
export { AWS_REGIONS, isKnownRegion } from './aws-regions';
export * from './defaults';
// The plan in one line is wording, but validate and the dev tools know it as part of the engine's API.
export { describePolicy } from '../wording/describe-policy';
export { evaluateWindow, type WindowJudgement } from './evaluate-window';
export { isFinal } from './is-final';
export { judgeTick } from './judge-tick';
export { needsTick } from './needs-tick';
export { parseDuration } from './parse-duration';
export { formatPath, type ParsePolicyResult, parsePolicy } from './parse-policy';
export { type RawPolicy, rawPolicySchema } from './policy-schema';
export { policyTextHash } from './policy-text-hash';
export { startRollout } from './start-rollout';
export type * from './decision-cause';
export type * from './types';
export { splitTraffic, weightsOf } from './weights-of';
