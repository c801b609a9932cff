import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipEntries } from './zip-entries';

/**
 * `npx serverless package --stage prod` with no AWS credentials and no network, run ONCE, then
 * the CloudFormation template and the bundles are read. Serverless always works in
 * `<service>/.serverless` and deletes it (even with `--package DIR`), and serverless-esbuild
 * builds in `<service>/.esbuild`, so the test packages a copy of the project in a temp folder:
 * the checkout's own `.serverless` (a user's `serverless package --stage prod`) and a running
 * `serverless offline`'s bundles are left alone.
 */

const ROOT = resolve(import.meta.dirname, '../../..');
/** Lambda runtimes that accept new functions today (Node 22 to Apr 2027, Node 24 to Apr 2028). */
const SUPPORTED_RUNTIMES = ['nodejs22.x', 'nodejs24.x'];
/** Budget for one function's bundle, in bytes (uncompressed minified code). */
const BUNDLE_BUDGET_BYTES = 500 * 1024;
/** Functions with a tighter budget than BUNDLE_BUDGET_BYTES. Bytes. */
const BUNDLE_BUDGETS: Readonly<Record<string, number>> = { slackNotifier: 150 * 1024 };
/**
 * Functions that do not fit their budget yet, each held at a ceiling a little above its size
 * today so it cannot grow unnoticed. Bytes. What keeps each above its budget (measured with an
 * esbuild metafile): every bundled SDK v3 client carries about 150 KB of shared client code
 * (SSM alone: 228 KB in a handler that only reads one parameter), so the Slack notifier's SSM
 * read cannot fit 150 KB; the tick and the control API read policy text that people write in
 * YAML (a policy edited in SSM is adopted by the next tick; `POST /rollouts` takes YAML text), and
 * the YAML parser is 112 KB of the 500.
 */
const OVER_BUDGET_CEILINGS: Readonly<Record<string, number>> = {
  canaryTick: 580 * 1024,
  controlApi: 555 * 1024,
  slackNotifier: 270 * 1024,
};
const FUNCTIONS = ['canaryTick', 'alarmRollback', 'regionSync', 'slackNotifier', 'controlApi'];

type Json = Record<string, unknown>;
type Resource = { Type: string; Properties: Json; DependsOn?: unknown };

let outDir: string;
let projectCopy: string;
/** The checkout's own `.serverless` listing before the test (null when there is none). */
let serverlessDirBefore: string[] | null;
/** Never copied into the project copy: dependencies are linked, the rest is build output. */
const NOT_COPIED = new Set(['node_modules', '.git', '.serverless', '.esbuild', 'coverage', 'dist']);
let template: { Resources: Record<string, Resource>; Outputs?: Json };
let run: { status: number | null; output: string };

function resources(type: string): Array<[string, Resource]> {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

function functionResource(key: string): Resource {
  const logicalId = `${key[0]!.toUpperCase()}${key.slice(1)}LambdaFunction`;
  const r = template.Resources[logicalId];
  if (!r) throw new Error(`no ${logicalId} in the template`);
  return r;
}

/** Every object in the template that has a `Statement` array: IAM and resource policies alike. */
function statements(node: unknown, where = '', out: Array<{ where: string; statement: Json }> = []) {
  if (Array.isArray(node)) {
    for (const [i, n] of node.entries()) statements(n, `${where}[${i}]`, out);
  } else if (node && typeof node === 'object') {
    const o = node as Json;
    if (Array.isArray(o.Statement)) for (const s of o.Statement) out.push({ where, statement: s as Json });
    for (const [k, v] of Object.entries(o)) statements(v, where ? `${where}.${k}` : k, out);
  }
  return out;
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

beforeAll(() => {
  outDir = mkdtempSync(join(tmpdir(), 'rw-package-'));
  projectCopy = mkdtempSync(join(tmpdir(), 'rw-package-project-'));
  serverlessDirBefore = existsSync(join(ROOT, '.serverless')) ? readdirSync(join(ROOT, '.serverless')) : null;
  for (const entry of readdirSync(ROOT)) {
    if (!NOT_COPIED.has(entry)) cpSync(join(ROOT, entry), join(projectCopy, entry), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(projectCopy, 'node_modules'), 'dir');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // No credentials and no network: packaging must not need either.
    AWS_CONFIG_FILE: join(outDir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(outDir, 'no-aws-credentials'),
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    SLS_DEPRECATION_DISABLE: '*',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  for (const name of [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_PROFILE',
    'AWS_ENDPOINT_URL',
    'ESBUILD_WORK_FOLDER',
  ]) {
    delete env[name];
  }
  const result = spawnSync('npx', ['serverless', 'package', '--stage', 'prod', '--package', outDir], {
    cwd: projectCopy,
    env,
    encoding: 'utf8',
    timeout: 240_000,
  });
  run = { status: result.status, output: `${result.stdout}\n${result.stderr}` };
  if (result.status === 0) {
    template = JSON.parse(readFileSync(join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'));
  }
}, 300_000);

afterAll(() => {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
  if (projectCopy) rmSync(projectCopy, { recursive: true, force: true });
});

describe('serverless package --stage prod', () => {
  it('succeeds without AWS credentials or network', () => {
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain('Service packaged');
  });

  it("leaves the checkout's own .serverless folder as it was", () => {
    const after = existsSync(join(ROOT, '.serverless')) ? readdirSync(join(ROOT, '.serverless')) : null;
    expect(after).toEqual(serverlessDirBefore);
  });

  it('packages every function alone, on a runtime Lambda accepts for new functions', () => {
    for (const key of FUNCTIONS) {
      expect(readdirSync(outDir)).toContain(`${key}.zip`);
      expect(SUPPORTED_RUNTIMES).toContain(functionResource(key).Properties.Runtime);
    }
  });

  it('keeps every bundle within its budget (or its ceiling), and each one loads as an ES module exporting `handler`', () => {
    const sizes: Record<string, string> = {};
    const bundleDir = mkdtempSync(join(outDir, 'bundles-'));
    for (const key of FUNCTIONS) {
      const entries = zipEntries(join(outDir, `${key}.zip`));
      const code = entries.filter((e) => e.name.endsWith('.mjs'));
      expect(code.length, `${key}: one .mjs entry`).toBe(1);
      const total = code.reduce((sum, e) => sum + e.size, 0);
      const budget = BUNDLE_BUDGETS[key] ?? BUNDLE_BUDGET_BYTES;
      sizes[key] =
        `${(total / 1024).toFixed(1)} KB${total > budget ? ` (above its ${budget / 1024} KB budget)` : ''}`;
      expect(total, `${key} bundle is ${total} bytes`).toBeLessThan(OVER_BUDGET_CEILINGS[key] ?? budget);
      const file = join(bundleDir, `${key}.mjs`);
      writeFileSync(file, code[0]!.read());
      // Load in a fresh Node process, as Lambda does: no tsx, no node_modules next to the bundle.
      const load = spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(file)}); if (typeof m.handler !== 'function') { console.error('no handler export'); process.exit(3); }`,
        ],
        {
          cwd: bundleDir,
          encoding: 'utf8',
          timeout: 30_000,
          env: {
            PATH: process.env.PATH,
            AWS_REGION: 'us-east-1',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
            STAGE: 'prod',
            TABLE_NAME: 'rollout-watchdog-prod',
            TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:rollout-watchdog-prod-notifications',
            PARAMETER_PREFIX: '/rollout-watchdog/prod',
            SLACK_WEBHOOK_PARAMETER: '/rollout-watchdog/prod/slack-webhook-url',
          },
        },
      );
      expect(load.status, `${key} failed to load: ${load.stderr}`).toBe(0);
    }
    console.info('bundle sizes (uncompressed):', sizes);
  });

  it('gives each function its own IAM role', () => {
    const roles = FUNCTIONS.map((key) => JSON.stringify(functionResource(key).Properties.Role));
    expect(new Set(roles).size).toBe(FUNCTIONS.length);
    for (const [i, key] of FUNCTIONS.entries())
      expect(roles[i]).toContain(`${key[0]!.toUpperCase()}${key.slice(1)}IamRole`);
  });

  it('has no IAM statement anywhere with a wildcard action', () => {
    const all = statements(template);
    expect(all.length).toBeGreaterThan(10);
    const wildcard = all.filter(({ statement }) =>
      asList(statement.Action ?? statement.NotAction).some((a) => typeof a !== 'string' || a.includes('*')),
    );
    expect(wildcard.map((w) => `${w.where}: ${JSON.stringify(w.statement.Action)}`)).toEqual([]);
  });

  it('allows "*" as a resource only for actions AWS cannot scope (GetMetricData)', () => {
    const starResources = statements(template).filter(({ statement }) =>
      asList(statement.Resource).includes('*'),
    );
    for (const { statement } of starResources)
      expect(asList(statement.Action)).toEqual(['cloudwatch:GetMetricData']);
  });

  it('scopes SageMaker to the endpoints the stage may touch and SSM to the stage path', () => {
    const text = JSON.stringify(template);
    // eslint-disable-next-line no-template-curly-in-string -- a CloudFormation Fn::Sub placeholder, not JS.
    expect(text).toContain(':sagemaker:*:${AWS::AccountId}:endpoint/fraud-*');
    expect(text).toContain(':parameter/rollout-watchdog/prod/*');
    const decrypt = statements(template).find(({ statement }) =>
      asList(statement.Action).includes('kms:Decrypt'),
    );
    expect(decrypt?.statement.Condition).toMatchObject({
      StringEquals: { 'kms:ViaService': expect.anything() },
    });
  });

  it('leaves no unresolved Serverless variable in the template', () => {
    const text = JSON.stringify(template);
    expect(text).not.toMatch(/\$\{(param|sls|self|opt|env|file):/);
  });

  it('defines the DynamoDB table: on demand, PITR, TTL on expiresAt, pk/sk and the active-index GSI', () => {
    const [, table] = resources('AWS::DynamoDB::Table')[0]!;
    expect(table.Properties).toMatchObject({
      TableName: 'rollout-watchdog-prod',
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'active-index',
          KeySchema: [
            { AttributeName: 'activePk', KeyType: 'HASH' },
            { AttributeName: 'endpointName', KeyType: 'RANGE' },
          ],
        },
      ],
    });
  });

  it('defines the topic with the stage email subscription, the Slack notifier and a filtered region sync', () => {
    expect(resources('AWS::SNS::Topic')).toHaveLength(1);
    const subscriptions = resources('AWS::SNS::Subscription').map(([, r]) => r.Properties);
    expect(subscriptions).toContainEqual(
      expect.objectContaining({ Protocol: 'email', Endpoint: 'ml-platform-oncall@example.com' }),
    );
    expect(subscriptions).toContainEqual(
      expect.objectContaining({
        Protocol: 'lambda',
        Endpoint: { 'Fn::GetAtt': ['SlackNotifierLambdaFunction', 'Arn'] },
      }),
    );
    expect(subscriptions).toContainEqual(
      expect.objectContaining({
        Protocol: 'lambda',
        Endpoint: { 'Fn::GetAtt': ['RegionSyncLambdaFunction', 'Arn'] },
        FilterPolicy: { eventType: ['rollout.promoted'] },
      }),
    );
  });

  it('schedules canaryTick every minute and regionSync more slowly', () => {
    const rules = resources('AWS::Events::Rule').map(([, r]) => r.Properties);
    const target = (name: string) => (r: Json) => JSON.stringify(r.Targets).includes(`${name}LambdaFunction`);
    expect(rules.find(target('CanaryTick'))).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
    });
    expect(rules.find(target('RegionSync'))).toMatchObject({ ScheduleExpression: 'rate(15 minutes)' });
  });

  it('routes CloudWatch alarm state changes to alarmRollback, with retries and a dead-letter queue', () => {
    const rule = resources('AWS::Events::Rule')
      .map(([, r]) => r.Properties)
      .find((r) => r.EventPattern !== undefined);
    expect(rule?.EventPattern).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
    });
    const target = ((rule?.Targets ?? []) as Json[])[0]!;
    expect(target.Arn).toEqual({ 'Fn::GetAtt': ['AlarmRollbackLambdaFunction', 'Arn'] });
    expect(target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': ['FailureQueue', 'Arn'] } });
  });

  it('sends failed asynchronous invocations to the failure queue', () => {
    const configs = resources('AWS::Lambda::EventInvokeConfig').map(([, r]) => r.Properties);
    for (const key of ['canaryTick', 'alarmRollback', 'regionSync', 'slackNotifier']) {
      const config = configs.find((c) =>
        JSON.stringify(c.FunctionName).includes(`${key[0]!.toUpperCase()}${key.slice(1)}`),
      );
      expect(config, key).toMatchObject({
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['FailureQueue', 'Arn'] } } },
      });
    }
    expect(
      resources('AWS::SQS::Queue')
        .map(([id]) => id)
        .sort(),
    ).toEqual(['FailureQueue', 'NotificationDeadLetterQueue']);
  });

  it('gives each queue policies that agree (SQS keeps one policy per queue)', () => {
    const byQueue = new Map<string, string[]>();
    for (const [, policy] of resources('AWS::SQS::QueuePolicy')) {
      for (const queue of policy.Properties.Queues as unknown[]) {
        const key = JSON.stringify(queue);
        const statements = JSON.stringify(
          (policy.Properties.PolicyDocument as { Statement: unknown[] }).Statement,
        );
        byQueue.set(key, [...(byQueue.get(key) ?? []), statements]);
      }
    }
    for (const [queue, policies] of byQueue) expect(new Set(policies).size, queue).toBe(1);
  });

  it('alarms when canaryTick stops running, to the topic', () => {
    const alarm = resources('AWS::CloudWatch::Alarm')
      .map(([, r]) => r.Properties)
      .find((a) => a.MetricName === 'Invocations');
    expect(alarm).toMatchObject({
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: 'rollout-watchdog-prod-canaryTick' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: 'NotificationTopic' }],
    });
  });

  it('exposes the control API routes with IAM authorization', () => {
    const routes = resources('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    expect(routes.map((r) => r.RouteKey).sort()).toEqual([
      'GET /rollouts',
      'GET /rollouts/{endpoint}',
      'GET /rollouts/{endpoint}/history',
      'POST /rollouts',
      'POST /rollouts/{endpoint}/{command}',
    ]);
    for (const route of routes) expect(route.AuthorizationType).toBe('AWS_IAM');
  });

  it('keeps the logs for the stage retention', () => {
    const groups = resources('AWS::Logs::LogGroup').map(([, r]) => r.Properties);
    expect(groups).toHaveLength(FUNCTIONS.length);
    for (const g of groups) expect(g.RetentionInDays).toBe(90);
  });
});
