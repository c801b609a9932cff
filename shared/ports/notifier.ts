import type { RolloutNotification } from '../notify/notification';

/** What a publish reports: a failed notification never undoes the decision it announces. */
export interface PublishResult {
  ok: boolean;
  messageId?: string;
  error?: string;
}

/** Where notifications go (the SNS topic when deployed); must never throw. */
export interface Notifier {
  publish(notification: RolloutNotification): Promise<PublishResult>;
}
