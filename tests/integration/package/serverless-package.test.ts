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
 * read cannot fit 150 KB (its SNS client, for the revoked-webhook alert, adds 35 KB more); the tick and the control API read policy text that people write in
 * YAML (a policy edited in SSM is adopted by the next tick; `POST /rollouts` takes YAML text), and
 * the YAML parser is 112 KB of the 500. The control API's CloudWatch client (a start checks the
 * alarms its policy names) added 22 KB: 553 KB → 575 KB. The endpoint lifecycle (the tick and the
 * control API make, deploy and delete endpoint configs: five more SageMaker commands and their
 * schemas, the planner and its wording) added about 20 KB to each. The Slack notifier's thread
 * mode (one thread per rollout) keeps each rollout's card `ts` in the rollout table: the SDK's
 * DynamoDB client (GetItem and PutItem only, no document client) adds 39 KB, the Web API client,
 * thread logic and card rendering 7 KB: 315 KB → 370 KB (362 KB measured). The control API's
 * rollout-page metrics route (GetMetricData through the tick's CloudWatch reader) and deployment
 * analytics (outcome items, the stats figures) add about 12 KB: 610 KB → 640 KB (628 KB measured
 * with the Slack thread work that landed at the same time). SageMaker blue/green watched by the
 * watchdog (the deployment's start, watch and verdict: its wording, phase reading and judgement,
 * PutMetricAlarm and PutMetricData on the CloudWatch client already there) adds 14 KB to each of
 * the tick and the control API (measured with an esbuild metafile, blue/green stubbed out):
 * 640 KB → 655 KB. Policy hooks (gates and notify hooks) add 97 KB to the tick: the SDK's Lambda
 * client for Lambda hooks is most of it (its whole service schema is bundled, about 90 KB; Invoke is
 * the only command used), the HTTPS caller with its HMAC signing, the gate logic and its wording the
 * rest: 659 KB → 756 KB measured (both packaged from the same tree, the hook caller removed from the
 * tick's composition for the first), so its ceiling rises by 100 KB. A blue/green start held at
 * its beforeStart gate (the tick asks the gates before UpdateEndpoint; the control API's start
 * and commands for it) adds 4 KB to the tick and 3 KB to the control API (measured with esbuild,
 * blue/green stubbed out: 17 KB in all for the control API now): 760 KB → 764 KB and
 * 655 KB → 658 KB. With every strategy landed together (the strategy and hooks schema, about 7 KB in
 * each parser; the shadow's start, views and wording; the gate's status and wording; the rollout
 * page's per-fleet metrics read), the control API measures 678.5 KB: its ceiling rises to 684 KB.
 * Telling notify hooks of ends decided outside the tick (the owed hooks the tick tells) adds 1.9 KB
 * to the tick: 765.1 KB measured, its ceiling 770 KB.
 */
const OVER_BUDGET_CEILINGS: Readonly<Record<string, number>> = {
  canaryTick: 770 * 1024,
  controlApi: 684 * 1024,
  slackNotifier: 370 * 1024,
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

/**
 * A template value as readable text: `{Ref X}`, `{GetAtt X.Arn}`, a Fn::Sub string with each
 * `${...}` written `<...>`; arrays and objects element by element.
 */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === 'object') {
    const o = value as Json;
    if (typeof o.Ref === 'string') return `{Ref ${o.Ref}}`;
    if (Array.isArray(o['Fn::GetAtt'])) return `{GetAtt ${(o['Fn::GetAtt'] as string[]).join('.')}}`;
    if (typeof o['Fn::Sub'] === 'string') return o['Fn::Sub'].replace(/\$\{([^}]+)\}/g, '<$1>');
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, normalize(v)]));
  }
  return value;
}

/** What a function's role may do: each action on each resource pattern (normalized), and why. */
interface Grant {
  actions: string[];
  resources: string[];
  reason: string;
  /** The statement's Condition, normalized; none when absent. */
  condition?: Json;
}

const ACCOUNT_ARN = 'arn:<AWS::Partition>:<service>:<AWS::Region>:<AWS::AccountId>';
const arn = (service: string, rest: string) => `${ACCOUNT_ARN.replace('<service>', service)}:${rest}`;
const SAGEMAKER = 'arn:<AWS::Partition>:sagemaker:*:<AWS::AccountId>';
const TABLE = ['{GetAtt RolloutTable.Arn}', '<RolloutTable.Arn>/index/*'];
const POLICIES = arn('ssm', 'parameter/rollout-watchdog/prod/policies/*');
/** The hooks' HMAC keys the tick reads (policy `hooks[].secret`). */
const HOOK_SECRETS = arn('ssm', 'parameter/rollout-watchdog/hooks/*');
/** The Lambda hooks the tick may invoke by default (param hookFunctionArns). */
const HOOK_FUNCTIONS = arn('lambda', 'function:rollout-hook-*');
const SLACK_PARAMETER = arn('ssm', 'parameter/rollout-watchdog/prod/slack-webhook-url');
/** The thread mode's parameters: the bot token (SecureString) and the channel id. */
const SLACK_BOT_TOKEN = arn('ssm', 'parameter/rollout-watchdog/prod/slack-bot-token');
const SLACK_CHANNEL = arn('ssm', 'parameter/rollout-watchdog/prod/slack-channel-id');

const logs = (key: string): Grant => ({
  actions: ['logs:CreateLogStream', 'logs:CreateLogGroup', 'logs:PutLogEvents'],
  resources: [arn('logs', `log-group:/aws/lambda/rollout-watchdog-prod-${key}:*:*`)],
  reason: "its own log group (serverless-iam-roles-per-function's statement)",
});
const rolloutState = (actions: string[]): Grant => ({
  actions: actions.map((a) => `dynamodb:${a}`),
  resources: TABLE,
  reason: 'rollout state, history and event receipts in the one table and its index',
});
const endpointWeights: Grant = {
  actions: ['sagemaker:DescribeEndpoint', 'sagemaker:UpdateEndpointWeightsAndCapacities'],
  resources: [`${SAGEMAKER}:endpoint/fraud-*`],
  reason: "moves traffic between variants, only on the stage's endpoints",
};
const endpointLifecycle: Grant[] = [
  {
    actions: ['sagemaker:DescribeEndpointConfig', 'sagemaker:DescribeModel', 'sagemaker:UpdateEndpoint'],
    resources: [`${SAGEMAKER}:endpoint/fraud-*`, `${SAGEMAKER}:endpoint-config/*`, `${SAGEMAKER}:model/*`],
    reason: 'deploys the canary from a model, retires the baseline, removes a rolled-back canary',
  },
  {
    actions: ['sagemaker:CreateEndpointConfig', 'sagemaker:DeleteEndpointConfig'],
    resources: [`${SAGEMAKER}:endpoint-config/*-rw*`],
    reason: 'makes and deletes only the configs the watchdog names',
  },
];
const notify: Grant[] = [
  { actions: ['sns:Publish'], resources: ['{Ref NotificationTopic}'], reason: 'notifications' },
  {
    actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
    resources: ['{GetAtt NotificationKey.Arn}'],
    reason: 'publishing to the encrypted topic, through SNS only',
    condition: { StringEquals: { 'kms:ViaService': 'sns.<AWS::Region>.amazonaws.com' } },
  },
];
/** The blue/green verdict (RolloutWatchdog/Verdict): PutMetricData has no resources, the namespace bounds it. */
const blueGreenVerdict: Grant = {
  actions: ['cloudwatch:PutMetricData'],
  resources: ['*'],
  reason: "the watchdog's verdict on blue/green deployments, its own namespace only",
  condition: { StringEquals: { 'cloudwatch:namespace': 'RolloutWatchdog' } },
};
const failedInvocations: Grant = {
  actions: ['sqs:SendMessage'],
  resources: ['{GetAtt FailureQueue.Arn}'],
  reason: 'on-failure destination of asynchronous invocations',
};
const ALL_TABLE_WRITES = ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'BatchWriteItem'];

/** Every statement of every function's role; anything else fails the test. */
const IAM_ALLOW_LIST: Readonly<Record<string, Grant[]>> = {
  canaryTick: [
    logs('canaryTick'),
    rolloutState(ALL_TABLE_WRITES),
    endpointWeights,
    ...endpointLifecycle,
    {
      actions: ['cloudwatch:GetMetricData'],
      resources: ['*'],
      reason: 'canary metrics; GetMetricData has no resource-level permissions',
    },
    {
      actions: ['cloudwatch:DescribeAlarms'],
      resources: ['arn:<AWS::Partition>:cloudwatch:*:<AWS::AccountId>:alarm:*'],
      reason: "states of the alarms policies name, in any region's endpoints",
    },
    blueGreenVerdict,
    ...notify,
    {
      actions: ['ssm:GetParameter', 'ssm:GetParameters'],
      resources: [POLICIES],
      reason: 'stored rollout policies, read in batches; not the Slack parameter',
    },
    {
      actions: ['lambda:InvokeFunction'],
      resources: [HOOK_FUNCTIONS],
      reason:
        'Lambda hooks (gates and notify hooks) of the functions the stage allows (param hookFunctionArns)',
    },
    {
      actions: ['ssm:GetParameter'],
      resources: [HOOK_SECRETS],
      reason: "HTTPS hooks' HMAC keys (SecureStrings under /rollout-watchdog/hooks/)",
    },
    {
      actions: ['kms:Decrypt'],
      resources: [arn('kms', 'key/*')],
      reason: "decrypts the hooks' HMAC keys, through SSM and for those parameters only",
      condition: {
        StringEquals: { 'kms:ViaService': 'ssm.<AWS::Region>.amazonaws.com' },
        StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': [HOOK_SECRETS] },
      },
    },
    failedInvocations,
  ],
  alarmRollback: [
    logs('alarmRollback'),
    rolloutState(ALL_TABLE_WRITES),
    endpointWeights,
    ...notify,
    failedInvocations,
  ],
  regionSync: [
    logs('regionSync'),
    rolloutState(['GetItem', 'PutItem', 'UpdateItem', 'Query', 'BatchWriteItem']),
    {
      actions: ['cloudwatch:GetMetricData'],
      resources: ['*'],
      reason:
        "a region's bake reads its own endpoint's metrics; GetMetricData has no resource-level permissions",
    },
    {
      actions: ['sagemaker:DescribeEndpoint', 'sagemaker:DescribeEndpointConfig', 'sagemaker:DescribeModel'],
      resources: [`${SAGEMAKER}:endpoint/fraud-*`, `${SAGEMAKER}:endpoint-config/*`, `${SAGEMAKER}:model/*`],
      reason: 'reads the promoted model where it runs',
    },
    {
      actions: [
        'sagemaker:CreateModel',
        'sagemaker:CreateEndpointConfig',
        'sagemaker:UpdateEndpoint',
        'sagemaker:UpdateEndpointWeightsAndCapacities',
      ],
      resources: [`${SAGEMAKER}:endpoint/fraud-*`, `${SAGEMAKER}:endpoint-config/*`, `${SAGEMAKER}:model/*`],
      reason: "recreates the promoted model in the other regions, and moves a region canary's weights",
    },
    {
      actions: ['iam:PassRole'],
      resources: ['arn:<AWS::Partition>:iam::<AWS::AccountId>:role/rollout-watchdog-sagemaker-*'],
      reason: "the model's execution role, to SageMaker only",
      condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
    },
    ...notify,
    failedInvocations,
  ],
  slackNotifier: [
    logs('slackNotifier'),
    {
      actions: ['ssm:GetParameter'],
      resources: [SLACK_PARAMETER],
      reason: 'the Slack webhook URL, that one parameter',
    },
    {
      actions: ['ssm:GetParameter'],
      resources: [SLACK_BOT_TOKEN, SLACK_CHANNEL],
      reason: "the thread mode's bot token and channel id, those two parameters",
    },
    {
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      resources: ['{GetAtt RolloutTable.Arn}'],
      reason: "each rollout's Slack thread item (the card's ts); no index, no Query, no Update",
    },
    {
      actions: ['kms:Decrypt'],
      resources: [arn('kms', 'key/*')],
      reason: 'decrypts the webhook SecureString, through SSM and for that parameter only',
      condition: {
        StringEquals: {
          'kms:ViaService': 'ssm.<AWS::Region>.amazonaws.com',
          'kms:EncryptionContext:PARAMETER_ARN': [SLACK_PARAMETER, SLACK_BOT_TOKEN, SLACK_CHANNEL],
        },
      },
    },
    ...notify.map((grant) => ({
      ...grant,
      reason: `${grant.reason}: the one email-only alert that the webhook is revoked`,
    })),
    failedInvocations,
  ],
  controlApi: [
    logs('controlApi'),
    rolloutState(ALL_TABLE_WRITES),
    endpointWeights,
    ...endpointLifecycle,
    {
      actions: ['cloudwatch:DescribeAlarms'],
      resources: ['arn:<AWS::Partition>:cloudwatch:*:<AWS::AccountId>:alarm:*'],
      reason: "a start's check of the alarms its policy names, in the endpoint's region; read only",
    },
    {
      actions: ['cloudwatch:GetMetricData'],
      resources: ['*'],
      reason: "the rollout page's per-variant charts; GetMetricData has no resource-level permissions",
    },
    {
      actions: ['cloudwatch:PutMetricAlarm'],
      resources: ['arn:<AWS::Partition>:cloudwatch:*:<AWS::AccountId>:alarm:rollout-watchdog-verdict-*'],
      reason: "a blue/green start's verdict alarm, which SageMaker rolls back on; that name only",
    },
    { ...blueGreenVerdict, reason: "an operator's rollback of a blue/green deployment: the failing verdict" },
    ...notify,
    { actions: ['ssm:GetParameter'], resources: [POLICIES], reason: 'the policy of a rollout it starts' },
  ],
};

interface DashboardWidget {
  type: string;
  properties: { title?: string; region?: string; metrics: unknown[] };
}

/** The widgets of a dashboard's body (a JSON string in the template). */
function dashboardWidgets(logicalId: string): DashboardWidget[] {
  const body = template.Resources[logicalId]!.Properties.DashboardBody;
  expect(typeof body, `${logicalId}: DashboardBody is a JSON string`).toBe('string');
  const widgets = (JSON.parse(body as string) as { widgets: DashboardWidget[] }).widgets;
  expect(widgets.length).toBeGreaterThan(0);
  return widgets;
}

/** The statements of a function's own role. */
function roleStatements(key: string): Json[] {
  const role = functionResource(key).Properties.Role as { 'Fn::GetAtt': [string, string] };
  const policies = template.Resources[role['Fn::GetAtt'][0]]!.Properties.Policies as Array<{
    PolicyDocument: { Statement: Json[] };
  }>;
  return policies.flatMap((p) => p.PolicyDocument.Statement);
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

  it('allows "*" as a resource only for actions AWS cannot scope (GetMetricData, and PutMetricData held to its own namespace)', () => {
    // In a key policy "*" means "this key" and nothing else (AWS requires that form).
    const starResources = statements(template).filter(
      ({ where, statement }) =>
        asList(statement.Resource).includes('*') && !where.endsWith('.Properties.KeyPolicy'),
    );
    for (const { statement } of starResources) {
      if (asList(statement.Action).includes('cloudwatch:PutMetricData')) {
        expect(asList(statement.Action)).toEqual(['cloudwatch:PutMetricData']);
        expect(statement.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'RolloutWatchdog' } });
      } else expect(asList(statement.Action)).toEqual(['cloudwatch:GetMetricData']);
    }
  });

  it('scopes SageMaker to the endpoints the stage may touch and SSM to the stage path', () => {
    const text = JSON.stringify(template);
    // eslint-disable-next-line no-template-curly-in-string -- a CloudFormation Fn::Sub placeholder, not JS.
    expect(text).toContain(':sagemaker:*:${AWS::AccountId}:endpoint/fraud-*');
    // Narrowed from the whole stage path (issue 10): it also holds the Slack webhook URL.
    expect(text).toContain(':parameter/rollout-watchdog/prod/policies/*');
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

  it('defines the DynamoDB table: on demand, PITR, TTL on expiresAt, pk/sk, the active-index and outcome-index GSIs', () => {
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
        {
          IndexName: 'outcome-index',
          KeySchema: [
            { AttributeName: 'outcomePk', KeyType: 'HASH' },
            { AttributeName: 'endedAt', KeyType: 'RANGE' },
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
    expect(rules.find(target('RegionSync'))).toMatchObject({ ScheduleExpression: 'rate(5 minutes)' });
  });

  it('routes CloudWatch alarm state changes to alarmRollback, with retries and a dead-letter queue', () => {
    const rule = resources('AWS::Events::Rule')
      .map(([, r]) => r.Properties)
      .find((r) => r.EventPattern !== undefined);
    expect(rule?.EventPattern).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      account: [{ Ref: 'AWS::AccountId' }],
    });
    const target = ((rule?.Targets ?? []) as Json[])[0]!;
    expect(target.Arn).toEqual({ 'Fn::GetAtt': ['AlarmRollbackLambdaFunction', 'Arn'] });
    expect(target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': ['FailureQueue', 'Arn'] } });
  });

  it('keeps a Slack message it could not post: retried twice, then the failure queue; its email-only alert skips the Slack subscription', () => {
    const config = resources('AWS::Lambda::EventInvokeConfig')
      .map(([, r]) => r.Properties)
      .find((c) => JSON.stringify(c.FunctionName).includes('SlackNotifier'));
    expect(config).toMatchObject({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 });
    const slack = resources('AWS::SNS::Subscription')
      .map(([, r]) => r.Properties)
      .find((p) => JSON.stringify(p.Endpoint).includes('SlackNotifierLambdaFunction'));
    expect(slack).toMatchObject({
      FilterPolicyScope: 'MessageAttributes',
      FilterPolicy: { audience: [{ 'anything-but': ['email-only'] }, { exists: false }] },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['NotificationDeadLetterQueue', 'Arn'] } },
    });
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
      'GET /rollouts/{endpoint}/metrics',
      'GET /stats',
      'POST /rollouts',
      'POST /rollouts/{endpoint}/{command}',
    ]);
    for (const route of routes) expect(route.AuthorizationType).toBe('AWS_IAM');
  });

  it("holds every function's IAM statements to the allow-list: action, resource pattern and reason", () => {
    for (const key of FUNCTIONS) {
      const allowed = new Map<string, Grant>();
      for (const grant of IAM_ALLOW_LIST[key]!) {
        expect(grant.reason.length, `${key}: a reason for ${grant.actions.join(', ')}`).toBeGreaterThan(5);
        for (const action of grant.actions)
          for (const resource of grant.resources) allowed.set(`${action} on ${resource}`, grant);
      }
      const found = new Set<string>();
      const unlisted: string[] = [];
      for (const statement of roleStatements(key)) {
        expect(statement.Effect, `${key}: ${JSON.stringify(statement)}`).toBe('Allow');
        expect(statement.NotAction ?? statement.NotResource, key).toBeUndefined();
        for (const action of asList(statement.Action))
          for (const resource of asList(statement.Resource).map(normalize)) {
            const pair = `${action} on ${String(resource)}`;
            const grant = allowed.get(pair);
            if (!grant) {
              unlisted.push(pair);
              continue;
            }
            found.add(pair);
            expect(normalize(statement.Condition), `${key}: condition of ${pair}`).toEqual(grant.condition);
          }
      }
      expect(unlisted, `${key}: statements not in the allow-list`).toEqual([]);
      expect(
        [...allowed.keys()].filter((pair) => !found.has(pair)),
        `${key}: allow-listed but absent`,
      ).toEqual([]);
    }
  });

  it("lets only slackNotifier read the Slack webhook parameter, and the others only the policies path (the tick also the hooks' keys)", () => {
    /** Whether an IAM resource pattern (normalized) covers a resource. */
    const covers = (pattern: string, resource: string) =>
      new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(resource);
    const ssmResources = (key: string) =>
      roleStatements(key)
        .filter((s) => asList(s.Action).some((a) => String(a).startsWith('ssm:')))
        .flatMap((s) => asList(s.Resource).map((r) => String(normalize(r))));
    const readers = FUNCTIONS.filter((key) => ssmResources(key).some((r) => covers(r, SLACK_PARAMETER)));
    expect(readers).toEqual(['slackNotifier']);
    expect(ssmResources('slackNotifier')).toEqual([SLACK_PARAMETER, SLACK_BOT_TOKEN, SLACK_CHANNEL]);
    // alarmRollback reads no policies (shared/runtime/composition-root.ts), so no SSM at all.
    for (const key of ['canaryTick', 'controlApi', 'regionSync', 'alarmRollback'])
      expect(new Set(ssmResources(key)), key).toEqual(
        new Set(key === 'canaryTick' ? [POLICIES, HOOK_SECRETS] : key === 'controlApi' ? [POLICIES] : []),
      );
  });

  it('takes alarm events from its own account only', () => {
    const rule = resources('AWS::Events::Rule')
      .map(([, r]) => r.Properties)
      .find((r) => JSON.stringify(r.Targets).includes('AlarmRollbackLambdaFunction'));
    expect((rule?.EventPattern as Json).account).toEqual([{ Ref: 'AWS::AccountId' }]);
  });

  it("tells canaryTick its own schedule rule's ARN, the rule it acts on alone", () => {
    const rule = resources('AWS::Events::Rule')
      .map(([, r]) => r.Properties)
      .find((r) => JSON.stringify(r.Targets).includes('CanaryTickLambdaFunction'));
    expect(rule?.Name).toBe('rollout-watchdog-prod-canary-tick');
    const environment = (functionResource('canaryTick').Properties.Environment as { Variables: Json })
      .Variables;
    // Built from the rule's name: a GetAtt of the rule would be a circular reference (it targets the function).
    expect(environment.TICK_RULE_ARN).toEqual({
      'Fn::Sub': `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/${String(rule?.Name)}`,
    });
    // The stage environment is kept: deployed, the tick checks event times against the clock.
    expect(environment.ROLLOUT_WATCHDOG_DEPLOYED).toBe('true');
  });

  it('caps the control API request body per stage', () => {
    const environment = (functionResource('controlApi').Properties.Environment as { Variables: Json })
      .Variables;
    expect(environment.MAX_REQUEST_BODY_BYTES).toBe('262144');
    expect(environment.ROLLOUT_WATCHDOG_DEPLOYED).toBe('true');
  });

  it('reserves concurrency for alarmRollback and canaryTick, and caps controlApi', () => {
    expect(functionResource('alarmRollback').Properties.ReservedConcurrentExecutions).toBe(5);
    expect(functionResource('canaryTick').Properties.ReservedConcurrentExecutions).toBe(2);
    expect(functionResource('controlApi').Properties.ReservedConcurrentExecutions).toBe(10);
    for (const key of ['regionSync', 'slackNotifier'])
      expect(functionResource(key).Properties.ReservedConcurrentExecutions, key).toBeUndefined();
  });

  it('throttles every route of the HTTP API on its stage', () => {
    const stages = resources('AWS::ApiGatewayV2::Stage').map(([, r]) => r.Properties);
    expect(stages).toHaveLength(1);
    expect(stages[0]!.DefaultRouteSettings).toEqual({
      DetailedMetricsEnabled: false,
      ThrottlingRateLimit: 5,
      ThrottlingBurstLimit: 10,
    });
    // No route setting overrides the stage's.
    expect(stages[0]!.RouteSettings).toBeUndefined();
  });

  it('encrypts the topic with its own KMS key, which only the account administers and the publishers use', () => {
    const keys = resources('AWS::KMS::Key');
    expect(keys.map(([id]) => id)).toEqual(['NotificationKey']);
    const [, key] = keys[0]!;
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(template.Resources.NotificationTopic!.Properties.KmsMasterKeyId).toEqual({
      'Fn::GetAtt': ['NotificationKey', 'Arn'],
    });
    expect(resources('AWS::KMS::Alias').map(([, r]) => r.Properties)).toEqual([
      { AliasName: 'alias/rollout-watchdog-prod-notifications', TargetKeyId: { Ref: 'NotificationKey' } },
    ]);
    const statements = (key.Properties.KeyPolicy as { Statement: Json[] }).Statement.map(normalize) as Json[];
    const root = { AWS: 'arn:<AWS::Partition>:iam::<AWS::AccountId>:root' };
    const use = ['kms:GenerateDataKey', 'kms:Decrypt'];
    expect(statements.map((s) => s.Sid)).toEqual([
      'AccountAdministers',
      'AlarmActions',
      'WatchdogPublishers',
      'DeliverToSubscribers',
    ]);
    for (const s of statements) expect(s.Effect).toBe('Allow');
    const [admin, alarms, publishers, deliver] = statements as [Json, Json, Json, Json];
    expect(admin.Principal).toEqual(root);
    // Administers, never uses: no encrypt, decrypt or grant-making for the account as a whole.
    for (const a of [...use, 'kms:Encrypt', 'kms:ReEncryptFrom', 'kms:CreateGrant'])
      expect(admin.Action as string[]).not.toContain(a);
    expect(admin.Action as string[]).toEqual(
      expect.arrayContaining(['kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion']),
    );
    expect(alarms).toMatchObject({
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: use,
      Condition: { StringEquals: { 'aws:SourceAccount': '{Ref AWS::AccountId}' } },
    });
    const publisherRoles = ['canaryTick', 'alarmRollback', 'regionSync', 'controlApi', 'slackNotifier'];
    expect(publishers).toEqual({
      Sid: 'WatchdogPublishers',
      Effect: 'Allow',
      Principal: root,
      Action: use,
      Resource: '*',
      Condition: {
        StringEquals: { 'kms:ViaService': 'sns.<AWS::Region>.amazonaws.com' },
        ArnEquals: {
          'aws:PrincipalArn': publisherRoles.map(
            (k) =>
              `arn:<AWS::Partition>:iam::<AWS::AccountId>:role/rollout-watchdog-prod-${k}-<AWS::Region>-lambdaRole`,
          ),
        },
      },
    });
    // The key policy names the roles by name (a GetAtt would be a dependency cycle): the names must be theirs.
    for (const k of publisherRoles) {
      const role = template.Resources[`${k[0]!.toUpperCase()}${k.slice(1)}IamRoleLambdaExecution`]!;
      expect(role.Properties.RoleName).toEqual({
        'Fn::Join': ['-', ['rollout-watchdog', 'prod', k, { Ref: 'AWS::Region' }, 'lambdaRole']],
      });
      expect(role.Properties.Path).toBe('/');
    }
    expect(deliver).toMatchObject({
      Principal: { Service: 'sns.amazonaws.com' },
      Action: use,
      Condition: {
        StringEquals: { 'aws:SourceAccount': '{Ref AWS::AccountId}' },
        ArnEquals: {
          'aws:SourceArn':
            'arn:<AWS::Partition>:sns:<AWS::Region>:<AWS::AccountId>:rollout-watchdog-prod-notifications',
        },
      },
    });
    // Every function that publishes can use the key; the one that does not publish cannot.
    for (const k of FUNCTIONS) {
      const publishes = roleStatements(k).some((s) => asList(s.Action).includes('sns:Publish'));
      const usesKey = roleStatements(k).some((s) => JSON.stringify(s.Resource).includes('NotificationKey'));
      expect(usesKey, k).toBe(publishes);
      expect(publishes, k).toBe(publisherRoles.includes(k));
    }
  });

  it("lets only this account's alarms and the notifying functions publish to the topic", () => {
    const policies = resources('AWS::SNS::TopicPolicy').map(([, r]) => r.Properties);
    expect(policies).toHaveLength(1);
    const statements = (policies[0]!.PolicyDocument as { Statement: Json[] }).Statement;
    const roles = ['CanaryTick', 'AlarmRollback', 'RegionSync', 'ControlApi', 'SlackNotifier'].map((k) => ({
      'Fn::GetAtt': [`${k}IamRoleLambdaExecution`, 'Arn'],
    }));
    const publish = statements.filter((s) => asList(s.Action).includes('sns:Publish'));
    expect(publish.filter((s) => s.Effect === 'Allow').map((s) => s.Principal)).toEqual([
      { Service: 'cloudwatch.amazonaws.com' },
      { AWS: roles },
    ]);
    expect(normalize(publish.find((s) => s.Sid === 'AlarmActions')!.Condition)).toEqual({
      StringEquals: { 'aws:SourceAccount': '{Ref AWS::AccountId}' },
      ArnLike: {
        'aws:SourceArn':
          'arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:rollout-watchdog-prod-*',
      },
    });
    // The stack's alarms all match that pattern.
    for (const [, alarm] of resources('AWS::CloudWatch::Alarm'))
      expect(String(alarm.Properties.AlarmName)).toMatch(/^rollout-watchdog-prod-/);
    // Anyone else in the account is denied, whatever their own IAM policy allows.
    expect(publish.filter((s) => s.Effect === 'Deny')).toEqual([
      {
        Sid: 'NoOtherPublishers',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sns:Publish',
        Resource: { Ref: 'NotificationTopic' },
        Condition: {
          Bool: { 'aws:PrincipalIsAWSService': 'false' },
          ArnNotEquals: { 'aws:PrincipalArn': roles },
        },
      },
    ]);
    // The account still administers subscriptions, but no longer publishes.
    const owner = statements.find((s) => s.Sid === 'AccountOwner');
    expect(asList(owner?.Action)).not.toContain('sns:Publish');
  });

  it('leaves no unused IAM role: every role is the role of a function', () => {
    const used = new Set(
      FUNCTIONS.map(
        (key) => (functionResource(key).Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0],
      ),
    );
    expect(
      resources('AWS::IAM::Role')
        .map(([id]) => id)
        .sort(),
    ).toEqual([...used].sort());
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it('creates a dashboard of the watchdog itself: ticks, judgements, decisions by action, rollbacks by source, errors, failure queues', () => {
    const dashboard = template.Resources.WatchdogDashboard;
    expect(dashboard?.Type).toBe('AWS::CloudWatch::Dashboard');
    expect(dashboard!.Properties.DashboardName).toBe('rollout-watchdog-prod');
    const widgets = dashboardWidgets('WatchdogDashboard');
    const titled = (start: string) => {
      const w = widgets.find((x) => x.properties.title?.startsWith(start));
      expect(w, `a widget titled "${start}..."`).toBeDefined();
      return JSON.stringify(w!.properties.metrics);
    };
    expect(titled('Ticks')).toContain('"Invocations","FunctionName","rollout-watchdog-prod-canaryTick"');
    expect(titled('Judgements')).toContain('"RolloutsJudged"');
    const byAction = titled('Decisions by action');
    for (const action of ['Hold', 'Advance', 'Pause', 'Promote', 'Rollback', 'Inconclusive'])
      expect(byAction).toContain(
        `"RolloutWatchdog","${action}Decisions","service","rollout-watchdog","function","canaryTick"`,
      );
    const bySource = titled('Rollbacks by source');
    for (const [source, fn] of [
      ['Tick', 'canaryTick'],
      ['Alarm', 'alarmRollback'],
      ['Operator', 'controlApi'],
    ])
      expect(bySource).toContain(`"RollbacksFrom${source}","service","rollout-watchdog","function","${fn}"`);
    const errors = titled('Errors');
    for (const key of FUNCTIONS)
      expect(errors).toContain(`"Errors","FunctionName","rollout-watchdog-prod-${key}"`);
    expect(errors).toContain('"TickRolloutErrors"');
    const queues = titled('Failure queue depth');
    expect(queues).toContain(
      '"ApproximateNumberOfMessagesVisible","QueueName","rollout-watchdog-prod-failures"',
    );
    expect(queues).toContain('"QueueName","rollout-watchdog-prod-notification-dlq"');
    // The queues the widget names are the stack's own.
    expect(template.Resources.FailureQueue!.Properties.QueueName).toBe('rollout-watchdog-prod-failures');
  });

  it('creates a dashboard of the watched endpoints from SEARCH expressions, the canary weight beside the 5XX rate', () => {
    expect(template.Resources.EndpointsDashboard!.Properties.DashboardName).toBe(
      'rollout-watchdog-prod-endpoints',
    );
    const widgets = dashboardWidgets('EndpointsDashboard');
    const rows = widgets.flatMap((w) => w.properties.metrics) as unknown[][];
    // No fixed endpoint anywhere: every row is an expression, so new endpoints appear without a redeploy.
    for (const row of rows)
      expect(row, JSON.stringify(row)).toEqual([expect.objectContaining({ expression: expect.any(String) })]);
    const oneGraph = widgets.find((w) => w.properties.title?.startsWith('Canary weight (%) and 5XX'));
    const expressions = (oneGraph!.properties.metrics as Array<[{ expression: string; yAxis?: string }]>).map(
      (r) => r[0],
    );
    expect(expressions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          expression: `SEARCH('{AWS/SageMaker,EndpointName,VariantName} MetricName="Invocation5XXErrors"', 'Average', 60)`,
        }),
        expect.objectContaining({
          expression: `SEARCH('{RolloutWatchdog,EndpointName} MetricName="CanaryWeight"', 'Maximum', 60)`,
          yAxis: 'right',
        }),
      ]),
    );
    for (const w of widgets) expect(w.properties.region).toBe('us-east-1');
  });

  it('publishes the canary weight per endpoint from the tick (CanaryWeight, dimension EndpointName, through EMF)', () => {
    const code = zipEntries(join(outDir, 'canaryTick.zip'))
      .find((e) => e.name.endsWith('.mjs'))!
      .read()
      .toString('utf8');
    expect(code).toContain('CanaryWeight');
    expect(code).toContain('EndpointName');
    // EMF through the logs: the tick's role may put only the blue/green verdict (its own namespace).
    for (const statement of roleStatements('canaryTick').filter((s) =>
      asList(s.Action).includes('cloudwatch:PutMetricData'),
    ))
      expect(statement.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'RolloutWatchdog' } });
  });

  it('keeps the logs for the stage retention', () => {
    const groups = resources('AWS::Logs::LogGroup').map(([, r]) => r.Properties);
    expect(groups).toHaveLength(FUNCTIONS.length);
    for (const g of groups) expect(g.RetentionInDays).toBe(90);
  });
});
