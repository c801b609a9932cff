import { SILENT_LOG } from '../ports/watchdog-log';
import { describeError } from './commit-transition';
import type { VerdictToPublish } from './watch-blue-green';
import type { WatchdogDeps } from './watchdog-deps';

/**
 * Publishes one tick's blue/green verdicts: one PutMetricData per region for every deployment
 * SageMaker runs (1: the watchdog's judgement failed, 0: passing), stamped with the tick's time.
 * A failed call is logged, never thrown: the verdict is published again on the next tick, and a
 * failing one stays failing in the rollout's state until SageMaker has rolled back.
 */
export async function publishVerdicts(
  deps: WatchdogDeps,
  verdicts: ReadonlyArray<VerdictToPublish>,
  now: number,
): Promise<void> {
  const byRegion = new Map<string, VerdictToPublish[]>();
  for (const v of verdicts) byRegion.set(v.region, [...(byRegion.get(v.region) ?? []), v]);
  await Promise.all(
    [...byRegion].map(async ([region, list]) => {
      const publisher = deps.verdicts?.(region);
      if (!publisher) return;
      try {
        await publisher.publish(list, now);
      } catch (error) {
        (deps.log ?? SILENT_LOG).error('blue/green verdicts not published; published again next tick', {
          region,
          endpoints: list.map((v) => v.endpointName),
          error: describeError(error),
        });
      }
    }),
  );
}
