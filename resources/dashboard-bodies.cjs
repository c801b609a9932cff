// CloudWatch dashboard bodies for resources/dashboards.yml, built here rather than written as JSON
// in YAML: a body is one JSON string, and a widget per metric row is easier to keep right as code.
// Serverless resolves `${file(resources/dashboard-bodies.cjs):watchdog}` by calling the export
// with its variable resolver, so stage and region come from the service, with no `Fn::Sub` and no
// account lookup (`serverless package` stays offline). Metric names match
// shared/middleware/telemetry.ts (METRIC, the per-action and per-source names, CanaryWeight).

/** The namespace of the watchdog's own metrics (METRICS_NAMESPACE in telemetry.ts). */
const NAMESPACE = 'RolloutWatchdog';
/** The `service` dimension Powertools adds to every metric (SERVICE_NAME in telemetry.ts). */
const SERVICE = 'rollout-watchdog';
/** Graph period, seconds: the tick runs once a minute. */
const PERIOD = 60;
const FUNCTIONS = ['canaryTick', 'alarmRollback', 'regionSync', 'slackNotifier', 'controlApi'];
const ACTIONS = ['Hold', 'Advance', 'Pause', 'Promote', 'Rollback', 'Inconclusive'];
/** Who rolled back, and the function that counts it (recordRollback in telemetry.ts). */
const ROLLBACK_SOURCES = [
  ['Tick', 'canaryTick'],
  ['Alarm', 'alarmRollback'],
  ['Operator', 'controlApi'],
];

async function context(resolveVariable) {
  return {
    stage: await resolveVariable('sls:stage'),
    region: await resolveVariable('self:provider.region'),
  };
}

/** A watchdog metric as a dashboard metric row: its function's dimensions, a statistic and a label. */
function own(name, fn, stat, label) {
  return [NAMESPACE, name, 'service', SERVICE, 'function', fn, { stat, label }];
}

/** Lays widgets out two to a row, each 12 x 6. */
function grid(region, widgets) {
  return widgets.map((w, i) => ({
    type: w.type ?? 'metric',
    x: (i % 2) * 12,
    y: Math.floor(i / 2) * 6,
    width: 12,
    height: 6,
    properties:
      w.type === 'text' ? w.properties : { region, view: 'timeSeries', period: PERIOD, ...w.properties },
  }));
}

/** The watchdog itself: is it ticking, what it decides, who rolls back, what fails, what waits. */
async function watchdog({ resolveVariable }) {
  const { stage, region } = await context(resolveVariable);
  const fnName = (fn) => `${SERVICE}-${stage}-${fn}`;
  const widgets = [
    {
      properties: {
        title: 'Ticks (canaryTick runs) and tick duration',
        metrics: [
          [
            'AWS/Lambda',
            'Invocations',
            'FunctionName',
            fnName('canaryTick'),
            { stat: 'Sum', label: 'ticks' },
          ],
          [
            NAMESPACE,
            'TickDuration',
            'service',
            SERVICE,
            'function',
            'canaryTick',
            { stat: 'Maximum', label: 'slowest tick (ms)', yAxis: 'right' },
          ],
        ],
        yAxis: { left: { min: 0, label: 'ticks' }, right: { min: 0, label: 'ms' } },
      },
    },
    {
      properties: {
        title: 'Judgements (rollouts judged) and decisions',
        metrics: [
          own('RolloutsJudged', 'canaryTick', 'Sum', 'rollouts judged'),
          own('Decisions', 'canaryTick', 'Sum', 'decisions'),
        ],
        yAxis: { left: { min: 0 } },
      },
    },
    {
      properties: {
        title: 'Decisions by action',
        stacked: true,
        metrics: ACTIONS.map((a) => own(`${a}Decisions`, 'canaryTick', 'Sum', a.toLowerCase())),
        yAxis: { left: { min: 0 } },
      },
    },
    {
      properties: {
        title: 'Rollbacks by source',
        stacked: true,
        metrics: ROLLBACK_SOURCES.map(([source, fn]) =>
          own(`RollbacksFrom${source}`, fn, 'Sum', source.toLowerCase()),
        ),
        yAxis: { left: { min: 0 } },
      },
    },
    {
      properties: {
        title: 'Errors: function errors and throttles, rollouts a tick could not process, Slack failures',
        metrics: [
          ...FUNCTIONS.map((fn) => [
            'AWS/Lambda',
            'Errors',
            'FunctionName',
            fnName(fn),
            { stat: 'Sum', label: `${fn} errors` },
          ]),
          ...FUNCTIONS.map((fn) => [
            'AWS/Lambda',
            'Throttles',
            'FunctionName',
            fnName(fn),
            { stat: 'Sum', label: `${fn} throttles` },
          ]),
          own('TickRolloutErrors', 'canaryTick', 'Sum', 'rollouts a tick could not process'),
          own('SlackTransientFailures', 'slackNotifier', 'Sum', 'Slack: kept for a retry'),
          own('SlackPermanentFailures', 'slackNotifier', 'Sum', 'Slack: refused'),
        ],
        yAxis: { left: { min: 0 } },
      },
    },
    {
      properties: {
        title: 'Failure queue depth (failed events and invocations; undelivered notifications)',
        period: 300,
        metrics: [
          [
            'AWS/SQS',
            'ApproximateNumberOfMessagesVisible',
            'QueueName',
            `${SERVICE}-${stage}-failures`,
            { stat: 'Maximum', label: 'failure queue' },
          ],
          [
            'AWS/SQS',
            'ApproximateNumberOfMessagesVisible',
            'QueueName',
            `${SERVICE}-${stage}-notification-dlq`,
            { stat: 'Maximum', label: 'notification dead letters' },
          ],
        ],
        yAxis: { left: { min: 0 } },
      },
    },
    {
      properties: {
        title: 'Slack deliveries',
        metrics: [
          own('SlackDelivered', 'slackNotifier', 'Sum', 'delivered'),
          own('SlackWebhookRevokedAlerts', 'slackNotifier', 'Sum', 'refused-webhook or refused-app alerts'),
        ],
        yAxis: { left: { min: 0 } },
      },
    },
    {
      properties: {
        title: 'Events refused or malformed',
        metrics: FUNCTIONS.flatMap((fn) => [
          own('RefusedEvents', fn, 'Sum', `${fn} refused`),
          own('MalformedEvents', fn, 'Sum', `${fn} malformed`),
        ]),
        yAxis: { left: { min: 0 } },
      },
    },
  ];
  return JSON.stringify({ widgets: grid(region, widgets) });
}

/** SageMaker's per-variant metrics of every endpoint in the region, found by SEARCH at view time. */
const sagemaker = (metric, stat) =>
  `SEARCH('{AWS/SageMaker,EndpointName,VariantName} MetricName="${metric}"', '${stat}', ${PERIOD})`;
/** The watchdog's canary weight per endpoint (recordCanaryWeight), found by SEARCH too. */
const CANARY_WEIGHT = `SEARCH('{${NAMESPACE},EndpointName} MetricName="CanaryWeight"', 'Maximum', ${PERIOD})`;

/**
 * The watched endpoints: every SEARCH finds endpoints (and the watchdog's canary weight of each)
 * when the dashboard is viewed, so an endpoint rolled out for the first time shows without a
 * redeploy. The first graph puts each variant's 5XX rate (SageMaker's Average of
 * Invocation5XXErrors is the share of invocations that failed) beside the canary weight.
 */
async function endpoints({ resolveVariable }) {
  const { region } = await context(resolveVariable);
  const widgets = [
    {
      properties: {
        title: 'Canary weight (%) and 5XX error rate (%) per endpoint and variant',
        metrics: [
          [{ expression: sagemaker('Invocation5XXErrors', 'Average'), id: 'errors', visible: false }],
          // No label: each series keeps its endpoint and variant from the SEARCH.
          [{ expression: '100 * errors', id: 'errorRate' }],
          [{ expression: CANARY_WEIGHT, id: 'weight', yAxis: 'right' }],
        ],
        yAxis: { left: { min: 0, label: '5XX %' }, right: { min: 0, max: 100, label: 'canary weight %' } },
      },
    },
    {
      properties: {
        title: 'Canary weight per endpoint (%)',
        metrics: [[{ expression: CANARY_WEIGHT, id: 'weight' }]],
        yAxis: { left: { min: 0, max: 100 } },
      },
    },
    {
      properties: {
        title: 'Invocations per variant',
        metrics: [[{ expression: sagemaker('Invocations', 'Sum'), id: 'invocations' }]],
        yAxis: { left: { min: 0 } },
      },
    },
    {
      properties: {
        title: '5XX errors per variant',
        metrics: [[{ expression: sagemaker('Invocation5XXErrors', 'Sum'), id: 'errors5xx' }]],
        yAxis: { left: { min: 0 } },
      },
    },
    {
      properties: {
        title: 'p99 model latency per variant (ms)',
        metrics: [
          [{ expression: sagemaker('ModelLatency', 'p99'), id: 'latency', visible: false }],
          // SageMaker publishes ModelLatency in microseconds; policies speak milliseconds.
          [{ expression: 'latency / 1000', id: 'latencyMs' }],
        ],
        yAxis: { left: { min: 0 } },
      },
    },
    {
      properties: {
        title: '4XX errors per variant',
        metrics: [[{ expression: sagemaker('Invocation4XXErrors', 'Sum'), id: 'errors4xx' }]],
        yAxis: { left: { min: 0 } },
      },
    },
  ];
  return JSON.stringify({ widgets: grid(region, widgets) });
}

module.exports = { watchdog, endpoints };
