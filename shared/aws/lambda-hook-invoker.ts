import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { LambdaInvocation } from '../hooks/call-hook';

/**
 * Invokes a hook's Lambda function (RequestResponse, IAM-signed) with `payload` and returns its
 * status, answer and FunctionError. `signal` cuts the call at the hook's timeout. SDK errors
 * (throttling, access denied, a missing function) are thrown for the caller to classify.
 */
export function lambdaHookInvoker(
  client: LambdaClient,
): (functionName: string, payload: string, signal: AbortSignal) => Promise<LambdaInvocation> {
  return async (functionName, payload, signal) => {
    const out = await client.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(payload),
      }),
      { abortSignal: signal },
    );
    const invocation: LambdaInvocation = {
      status: out.StatusCode ?? 200,
      payload: out.Payload ? new TextDecoder().decode(out.Payload) : '',
    };
    if (out.FunctionError) invocation.functionError = out.FunctionError;
    return invocation;
  };
}

/** The region a function ARN names (`arn:aws:lambda:eu-west-1:...`), or undefined for a bare name. */
export function functionRegion(functionName: string): string | undefined {
  return /^arn:[^:]+:lambda:([a-z0-9-]+):/.exec(functionName)?.[1];
}
