// The SNS event as Lambda delivers it to the Slack notifier and region sync. Checked by hand, like
// the notification body it carries (notification-message.ts): the Slack notifier validates nothing
// else, and zod/mini's core would add 17 KB to its bundle. Not @aws-lambda-powertools/parser's
// SnsSchema either: it is written against the full `zod` namespace, which does not tree-shake (a
// bundle holding SnsSchema and EventBridgeSchema measured 455 KB minified), and it requires fields
// (TopicArn, UnsubscribeUrl, Signature...) that the watchdog never reads.

import { isJsonObject } from '../domain/is-json-object';

/**
 * One record of an SNS event: only the message and its id and time are read; the rest (signature,
 * topic, attributes) passes through unchecked.
 */
export interface SnsRecord {
  EventSource?: 'aws:sns';
  Sns: { Message: string; MessageId?: string; Timestamp?: string; MessageAttributes?: unknown };
}

/**
 * The String value of message attribute `name` (`{ Type, Value }` in a Lambda's SNS event), or
 * undefined when it is absent or not a string.
 */
export function snsAttribute(record: SnsRecord, name: string): string | undefined {
  const attributes = record.Sns.MessageAttributes;
  const attribute = isJsonObject(attributes) ? attributes[name] : undefined;
  return isJsonObject(attribute) && typeof attribute.Value === 'string' ? attribute.Value : undefined;
}

const optionalString = (value: unknown): boolean => value === undefined || typeof value === 'string';

/** The record when it has the shape of `SnsRecord`; undefined otherwise. */
export function parseSnsRecord(record: unknown): SnsRecord | undefined {
  if (!isJsonObject(record) || !isJsonObject(record.Sns)) return undefined;
  if (record.EventSource !== undefined && record.EventSource !== 'aws:sns') return undefined;
  const sns = record.Sns;
  if (typeof sns.Message !== 'string' || !optionalString(sns.MessageId) || !optionalString(sns.Timestamp))
    return undefined;
  return record as unknown as SnsRecord;
}

/**
 * The records of an SNS event, each parsed on its own (`undefined` for a record that is not an SNS
 * record), so one bad record does not hide the others; `undefined` when `event` is not an SNS
 * event at all (no `Records` array).
 */
export function snsRecords(event: unknown): Array<SnsRecord | undefined> | undefined {
  if (!isJsonObject(event) || !Array.isArray(event.Records)) return undefined;
  return event.Records.map(parseSnsRecord);
}

/**
 * The records of an SNS event when it is one through and through: at least one record, and every
 * record an SNS record. `undefined` otherwise, so a function fed by both SNS and a schedule can
 * tell the two apart by shape.
 */
export function snsEventRecords(event: unknown): SnsRecord[] | undefined {
  const records = snsRecords(event);
  if (!records || records.length === 0) return undefined;
  return records.every((record) => record !== undefined) ? (records as SnsRecord[]) : undefined;
}
