import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { SandboxClock } from '../clock';
import { createSandbox, type Sandbox } from '../create-sandbox';
import {
  createHttpLambdaInvoker,
  type InvokeResult,
  type LambdaInvokeError,
  type LambdaInvoker,
} from '../lambda-invoker';
import { freePort } from './free-port';
import { type ProvisionedWatchdog, provisionWatchdog } from './provision-watchdog';
import { type OfflineProcess, startServerlessOffline } from './serverless-offline';

/** Region of the local stack's home (state, topic, parameters) and of the demo endpoints. */
export const LOCAL_REGION = 'us-east-1';
/** The serverless stage whose environment points the functions at the sandbox. */
export const LOCAL_STAGE = 'local';
/** Slack sink hook the local stack's webhook parameter points at. */
export const LOCAL_SLACK_HOOK = 'rollout-watchdog';

export interface LocalStackOptions {
  /** Simulated time: manual in tests (each `advance` delivers due ticks), running in the demo. */
  clock: SandboxClock;
  /** Folder holding serverless.yml. Default: the current directory. */
  projectDir?: string;
  /** Sandbox port; default a free one. */
  sandboxPort?: number;
  /** Where SNS emails land. */
  outboxDir?: string;
  /** How long endpoint updates stay `Updating`, simulated ms. */
  endpointDelayMs?: number;
  /** Deliver ticks and alarm events as RequestResponse and wait for them (deterministic tests). */
  synchronousEvents?: boolean;
  /** Lines serverless-offline prints. */
  onOfflineLine?: (line: string) => void;
  /**
   * Sees every invocation the sandbox makes (ticks, alarm events, SNS deliveries) and its result;
   * with `asyncInvocations: 'background'` also the answers of asynchronous ones.
   */
  onInvocation?: (functionName: string, event: unknown, result: InvokeResult) => void;
  /**
   * How asynchronous invocations (SNS deliveries, and events unless `synchronousEvents`) reach
   * serverless-offline: `Event` (default) or `background` (see `HttpLambdaInvokerOptions`: a
   * function that throws does not stop serverless-offline). The alarm handler and the Slack
   * notifier throw on purpose when work is left for Lambda's retry, so a stack whose alarm events
   * are asynchronous should use `background` (`npm run dev` does); the demo and the end-to-end
   * tests deliver events synchronously and keep `Event` for SNS, where serverless-offline 13 was
   * seen to hang an invocation now and then under concurrent `background` deliveries.
   */
  asyncInvocations?: 'Event' | 'background';
  /** `background` only: an asynchronous invocation that got no answer. */
  onInvocationError?: (functionName: string, error: LambdaInvokeError) => void;
  /** Where the event router reports failed deliveries (one line each). Default: `console.error`. */
  onRouterLine?: (line: string) => void;
  /** What to do when no functions answer, in the router's one line. */
  unreachableHint?: string;
  /** Aborting stops a start in progress (serverless-offline still bundling); the start rejects. */
  signal?: AbortSignal;
}

export interface LocalStack {
  readonly sandbox: Sandbox;
  readonly offline: OfflineProcess;
  /** Base URL of the control API (serverless-offline's HTTP server). */
  readonly apiUrl: string;
  readonly provisioned: ProvisionedWatchdog;
  readonly region: string;
  readonly stage: string;
  /** serverless-esbuild's work folder for this stack (absolute); `close()` removes it. */
  readonly workFolder: string;
  close(): Promise<void>;
}

/**
 * The whole watchdog on one machine: the sandbox (AWS stand-in, event router on simulated time),
 * the stage's resources provisioned in it, and the real functions bundled and hosted by
 * serverless-offline, reached by the router and SNS through its Lambda invoke endpoint.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const projectDir = resolve(options.projectDir ?? process.cwd());
  const [httpPort, lambdaPort] = [await freePort(), await freePort()];
  const observe = options.onInvocation;
  const background = options.asyncInvocations === 'background';
  const http = createHttpLambdaInvoker(`http://127.0.0.1:${lambdaPort}`, {
    asyncInvocations: options.asyncInvocations ?? 'Event',
    ...(observe ? { onBackgroundResult: observe } : {}),
    ...(options.onInvocationError ? { onBackgroundError: options.onInvocationError } : {}),
  });
  const invoker: LambdaInvoker = observe
    ? {
        async invoke(functionName, event, invokeOptions) {
          const result = await http.invoke(functionName, event, invokeOptions);
          // A background invocation's answer reaches `observe` when it comes, not this 202.
          if (!(invokeOptions.async && background)) observe(functionName, event, result);
          return result;
        },
      }
    : http;
  const sandbox = await createSandbox({
    port: options.sandboxPort ?? 0,
    clock: options.clock,
    lambdaInvoker: invoker,
    routeEvents: {
      projectDir,
      stage: LOCAL_STAGE,
      region: LOCAL_REGION,
      synchronous: options.synchronousEvents ?? false,
      ...(options.onRouterLine ? { log: options.onRouterLine } : {}),
      ...(options.unreachableHint ? { unreachableHint: options.unreachableHint } : {}),
    },
    ...(options.outboxDir !== undefined ? { outboxDir: options.outboxDir } : {}),
    ...(options.endpointDelayMs !== undefined ? { endpointDelayMs: options.endpointDelayMs } : {}),
    onInternalError: () => undefined,
  });
  const workFolder = join('.esbuild', `offline-${process.pid}-${httpPort}`);
  try {
    const provisioned = await provisionWatchdog({
      endpoint: sandbox.url,
      region: LOCAL_REGION,
      stage: LOCAL_STAGE,
      slackWebhookUrl: sandbox.slackWebhookUrl(LOCAL_SLACK_HOOK),
      alertEmail: 'ml-platform-oncall@example.com',
    });
    const offline = await startServerlessOffline({
      projectDir,
      stage: LOCAL_STAGE,
      httpPort,
      lambdaPort,
      awsEndpointUrl: sandbox.url,
      workFolder,
      ...(options.onOfflineLine ? { onLine: options.onOfflineLine } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return {
      sandbox,
      offline,
      apiUrl: offline.httpUrl,
      provisioned,
      region: LOCAL_REGION,
      stage: LOCAL_STAGE,
      workFolder: join(projectDir, workFolder),
      async close() {
        await offline.stop();
        await sandbox.close();
        await rm(join(projectDir, workFolder), { recursive: true, force: true });
      },
    };
  } catch (error) {
    await sandbox.close();
    await rm(join(projectDir, workFolder), { recursive: true, force: true });
    throw error;
  }
}
