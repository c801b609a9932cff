import type { RolloutStore } from '../aws/rollout-store';
import type { SageMakerEndpoints } from '../aws/sagemaker-endpoints';
import type { RolloutNotification } from '../notify/notification';

/** Where notifications go (INFRA's NotificationPublisher fits); must never throw. */
export interface NotificationSink {
  publish(notification: RolloutNotification): Promise<{ ok: boolean; messageId?: string; error?: string }>;
}

/** The structured logger the watchdog writes to (Powertools' Logger fits). */
export interface WatchdogLog {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** Everything commitTransition, reconcile, the tick and the alarm handler talk to. */
export interface WatchdogDeps {
  store: RolloutStore;
  /** SageMaker adapter for the endpoint's region (cache one per region). */
  endpoints(region: string): SageMakerEndpoints;
  notifier: NotificationSink;
  log?: WatchdogLog;
  /** Base URL of the control API, for intervention commands in notifications. */
  apiUrl?: string;
}

/** A logger that drops everything (the default when none is given). */
export const SILENT_LOG: WatchdogLog = { debug() {}, info() {}, warn() {}, error() {} };
