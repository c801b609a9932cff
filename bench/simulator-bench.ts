/** Scenario simulator speed: simulated minutes per second at 3,000 requests a minute. */
import { createScenarioSimulator } from '../shared/simulation/scenario-simulator';
import { HEALTHY_SCENARIO } from './bench-inputs';
import type { Benchmark } from './benchmark';

/** Minutes simulated. */
const MINUTES = 5_000;

export const benchmark: Benchmark = {
  name: 'simulator',
  description: `scenario simulator, ${MINUTES.toLocaleString('en-US')} minutes of 3,000 requests (canary at 20%)`,
  run() {
    const simulator = createScenarioSimulator(HEALTHY_SCENARIO);
    for (let m = 0; m < 200; m++) simulator.simulateMinute(m, 20);
    let requests = 0;
    const t0 = performance.now();
    for (let m = 0; m < MINUTES; m++) requests += simulator.simulateMinute(m, 20).totalRequests;
    const ms = performance.now() - t0;
    return [
      { label: 'simulated minutes per second', value: (MINUTES / ms) * 1000, unit: 'minutes/s' },
      { label: 'simulated requests per second', value: (requests / ms) * 1000, unit: 'requests/s' },
    ];
  },
};
