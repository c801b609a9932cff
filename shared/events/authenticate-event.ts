import { isJsonObject } from '../domain/is-json-object';
import { ALARM_STATE_CHANGE } from './alarm-state-change-event';
import { parseArn } from './aws-arn';
import type { FunctionIdentity } from './function-identity';
import { SCHEDULED_EVENT } from './scheduled-event';

// Events are believed only for what AWS guarantees about them. EventBridge sets `source`,
// `account` and `region` of the events it delivers from AWS services (a PutEvents caller cannot
// claim an `aws.*` source); CloudWatch names the alarm by its ARN in `resources`; a schedule rule
// names itself there. Anything else in an event is what the sender says, and a sender may lie.

/** How far a deployed tick's `time` may be from the wall clock, either way. Milliseconds. */
export const SCHEDULED_EVENT_CLOCK_TOLERANCE_MS = 5 * 60_000;

/** Why an event was refused, as data to count and log by. */
export type EventRefusal =
  | 'not-an-event'
  | 'wrong-source'
  | 'wrong-detail-type'
  | 'unknown-identity'
  | 'foreign-account'
  | 'foreign-region'
  | 'foreign-alarm'
  | 'no-rule-configured'
  | 'not-own-rule'
  | 'invalid-time'
  | 'time-far-from-clock';

/**
 * The verdict on an event. A refusal says which check failed in words that carry none of the
 * event's values, so logging it never writes what a sender chose to put in the event.
 */
export type EventCheck = { ok: true } | { ok: false; refusal: EventRefusal; why: string };

const OK: EventCheck = { ok: true };
const refuse = (refusal: EventRefusal, why: string): EventCheck => ({ ok: false, refusal, why });

/** The envelope checks both events share: an object with the expected source and detail-type, sent from this account. */
function checkEnvelope(
  event: unknown,
  expected: { source: string; detailType: string },
  own: FunctionIdentity | undefined,
): EventCheck {
  if (!isJsonObject(event)) return refuse('not-an-event', 'not an EventBridge event (not an object)');
  if (event.source !== expected.source) return refuse('wrong-source', `source is not ${expected.source}`);
  if (event['detail-type'] !== expected.detailType)
    return refuse('wrong-detail-type', `detail-type is not ${expected.detailType}`);
  if (!own)
    return refuse('unknown-identity', "the function's own account is unknown, so no event is trusted");
  if (event.account !== own.account)
    return refuse('foreign-account', "account is not this function's account");
  return OK;
}

/**
 * Authenticates a `CloudWatch Alarm State Change` for the alarm-rollback function. Inputs that
 * decide: `source` (`aws.cloudwatch`), `detail-type`, the event's `account` against the
 * function's own (`own`, from its ARN), and the alarm ARN in `resources`: exactly one, a
 * CloudWatch alarm of this partition and account, in the event's own region, named as
 * `detail.alarmName` says. An alarm of another account, even with a policy's alarm name and
 * region, is refused. The shape of `detail` is checked afterwards, by the alarm handler.
 */
export function authenticateAlarmEvent(event: unknown, own: FunctionIdentity | undefined): EventCheck {
  const envelope = checkEnvelope(event, { source: 'aws.cloudwatch', detailType: ALARM_STATE_CHANGE }, own);
  if (!envelope.ok || !own || !isJsonObject(event)) return envelope;
  const resources = event.resources;
  if (!Array.isArray(resources) || resources.length !== 1)
    return refuse('foreign-alarm', 'resources does not name exactly one alarm');
  const arn = parseArn(resources[0]);
  if (!arn || arn.service !== 'cloudwatch' || !arn.resource.startsWith('alarm:'))
    return refuse('foreign-alarm', 'resources does not name a CloudWatch alarm');
  if (arn.partition !== own.partition || arn.account !== own.account)
    return refuse('foreign-alarm', "the alarm is not in this function's account");
  if (typeof event.region !== 'string' || arn.region !== event.region)
    return refuse('foreign-region', "the alarm's region is not the event's region");
  const detail = isJsonObject(event.detail) ? event.detail : {};
  if (arn.resource.slice('alarm:'.length) !== detail.alarmName)
    return refuse('foreign-alarm', 'detail.alarmName is not the alarm the event names in resources');
  return OK;
}

export interface TickCheckOptions {
  /** The ARN of the function's own schedule rule (`TICK_RULE_ARN`); unset refuses every event. */
  ruleArn: string | undefined;
  /**
   * The wall clock, epoch ms, in deployed stages: the event's `time` must be within
   * `toleranceMs` of it. Unset where the clock is simulated (the sandbox runs time faster).
   */
  wallClock?: number;
  /** Default SCHEDULED_EVENT_CLOCK_TOLERANCE_MS. Milliseconds. */
  toleranceMs?: number;
}

/**
 * Authenticates the tick's `Scheduled Event`. Inputs that decide: `source` (`aws.events`),
 * `detail-type` (`Scheduled Event`), the event's account and region against the function's own,
 * `resources` being exactly the function's own rule (`options.ruleArn`), a valid ISO `time`, and
 * in deployed stages that time within the tolerance of the wall clock (a forged or replayed tick
 * from hours away is refused). An alarm-shaped, SNS-shaped or bare `{ time }` event is refused.
 */
export function authenticateTickEvent(
  event: unknown,
  own: FunctionIdentity | undefined,
  options: TickCheckOptions,
): EventCheck {
  const envelope = checkEnvelope(event, { source: 'aws.events', detailType: SCHEDULED_EVENT }, own);
  if (!envelope.ok || !own || !isJsonObject(event)) return envelope;
  if (event.region !== own.region) return refuse('foreign-region', "region is not this function's region");
  if (!options.ruleArn)
    return refuse('no-rule-configured', 'TICK_RULE_ARN is not set, so no schedule is trusted');
  const resources = event.resources;
  if (!Array.isArray(resources) || resources.length !== 1 || resources[0] !== options.ruleArn)
    return refuse('not-own-rule', "resources is not this function's own schedule rule");
  const time = typeof event.time === 'string' ? Date.parse(event.time) : Number.NaN;
  if (!Number.isFinite(time)) return refuse('invalid-time', 'time is not a valid timestamp');
  if (options.wallClock !== undefined) {
    const tolerance = options.toleranceMs ?? SCHEDULED_EVENT_CLOCK_TOLERANCE_MS;
    if (Math.abs(time - options.wallClock) > tolerance)
      return refuse(
        'time-far-from-clock',
        `time is more than ${Math.round(tolerance / 1000)} s from the wall clock`,
      );
  }
  return OK;
}
