import { array, type infer as Infer, literal, looseObject, optional, string, unknown } from 'zod/mini';

// zod/mini rather than @aws-lambda-powertools/parser's SnsSchema: that schema is written against
// the full `zod` namespace, which does not tree-shake (a bundle holding SnsSchema and
// EventBridgeSchema measured 455 KB minified, against 16 KB for these schemas with zod/mini), and
// it requires fields (TopicArn, UnsubscribeUrl, Signature...) that the watchdog never reads.

/**
 * One record of an SNS event as Lambda delivers it. Only the message and its id and time are
 * read; the rest (signature, topic, attributes) passes through.
 */
export const snsRecordSchema = looseObject({
  EventSource: optional(literal('aws:sns')),
  Sns: looseObject({
    Message: string(),
    MessageId: optional(string()),
    Timestamp: optional(string()),
  }),
});

export type SnsRecord = Infer<typeof snsRecordSchema>;

/** The envelope: an object with a `Records` array, each record checked on its own. */
const snsEnvelopeSchema = looseObject({ Records: array(unknown()) });

/**
 * The records of an SNS event, each parsed on its own (`undefined` for a record that is not an SNS
 * record), so one bad record does not hide the others; `undefined` when `event` is not an SNS
 * event at all (no `Records` array).
 */
export function snsRecords(event: unknown): Array<SnsRecord | undefined> | undefined {
  const envelope = snsEnvelopeSchema.safeParse(event);
  if (!envelope.success) return undefined;
  return envelope.data.Records.map((record) => {
    const parsed = snsRecordSchema.safeParse(record);
    return parsed.success ? parsed.data : undefined;
  });
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
