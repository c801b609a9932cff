import type { BlueGreenState, RolloutState } from '../domain/types';
import { describeBlueGreenPhase } from '../wording/describe-blue-green';
import type { BlueGreenView } from './control-contract';

/** A blue/green rollout's deployment as status shows it: phase, green share, fleets, alarms and verdict. */
export function blueGreenView(state: RolloutState & { blueGreen: BlueGreenState }): BlueGreenView {
  const bg = state.blueGreen;
  const view: BlueGreenView = {
    phase: bg.phase,
    description: describeBlueGreenPhase(bg),
    since: new Date(bg.since).toISOString(),
    model: bg.model,
    greenShare: bg.greenShare,
    newConfig: bg.newConfig,
    oldConfig: bg.oldConfig,
    alarms: [...bg.alarms],
    verdictAlarm: bg.verdictAlarm,
    verdict: bg.verdict,
  };
  if (bg.rollbackRequested)
    view.rollbackRequested = {
      at: new Date(bg.rollbackRequested.at).toISOString(),
      by: bg.rollbackRequested.by,
      reason: bg.rollbackRequested.reason,
    };
  if (bg.rolledBackBy) view.rolledBackBy = bg.rolledBackBy;
  if (bg.failureReason) view.failureReason = bg.failureReason;
  return view;
}
