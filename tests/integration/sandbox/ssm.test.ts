import {
  GetParameterCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from './sandbox-fixture';

const PREFIX = '/ssm-suite';

describe('SSM Parameter Store through the real SDK client', () => {
  let t: TestSandbox;
  let ssm: SSMClient;

  beforeAll(async () => {
    t = await startTestSandbox();
    ssm = new SSMClient(t.client('us-east-1'));
  });
  afterAll(async () => {
    ssm.destroy();
    await t.stop();
  });

  it('stores a String parameter and reads it back with version, ARN and date', async () => {
    const put = await ssm.send(
      new PutParameterCommand({ Name: `${PREFIX}/plain`, Value: 'v1', Type: 'String' }),
    );
    expect(put).toMatchObject({ Version: 1, Tier: 'Standard' });
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: `${PREFIX}/plain` }));
    expect(Parameter).toMatchObject({
      Name: `${PREFIX}/plain`,
      Type: 'String',
      Value: 'v1',
      Version: 1,
      ARN: 'arn:aws:ssm:us-east-1:000000000000:parameter/ssm-suite/plain',
      LastModifiedDate: new Date(t.clock.now()),
    });
  });

  it('refuses to overwrite without Overwrite (ParameterAlreadyExists) and bumps the version with it', async () => {
    await ssm.send(new PutParameterCommand({ Name: `${PREFIX}/versioned`, Value: 'a', Type: 'String' }));
    await expect(
      ssm.send(new PutParameterCommand({ Name: `${PREFIX}/versioned`, Value: 'b', Type: 'String' })),
    ).rejects.toMatchObject({ name: 'ParameterAlreadyExists', $fault: 'client' });
    const again = await ssm.send(
      new PutParameterCommand({ Name: `${PREFIX}/versioned`, Value: 'b', Overwrite: true }),
    );
    expect(again.Version).toBe(2);
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: `${PREFIX}/versioned` }));
    expect(Parameter).toMatchObject({ Value: 'b', Version: 2, Type: 'String' });
  });

  it('returns a SecureString in clear only WithDecryption, and something opaque without it', async () => {
    const secret = 'https://hooks.slack.com/services/T000/B000/XXXX';
    await ssm.send(
      new PutParameterCommand({ Name: `${PREFIX}/secret`, Value: secret, Type: 'SecureString' }),
    );
    const clear = await ssm.send(new GetParameterCommand({ Name: `${PREFIX}/secret`, WithDecryption: true }));
    expect(clear.Parameter).toMatchObject({ Type: 'SecureString', Value: secret });
    const opaque = await ssm.send(new GetParameterCommand({ Name: `${PREFIX}/secret` }));
    expect(opaque.Parameter?.Value).not.toContain('hooks.slack.com');
    expect(opaque.Parameter?.Value).not.toBe(secret);
  });

  it('accepts 4096 characters on the standard tier and refuses 4097 with ValidationException', async () => {
    await ssm.send(
      new PutParameterCommand({ Name: `${PREFIX}/big-ok`, Value: 'x'.repeat(4096), Type: 'String' }),
    );
    await expect(
      ssm.send(
        new PutParameterCommand({ Name: `${PREFIX}/big-too`, Value: 'x'.repeat(4097), Type: 'String' }),
      ),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining(
        'Standard tier parameters support a maximum parameter value of 4096 characters',
      ),
    });
  });

  it('answers ParameterNotFound for a missing parameter', async () => {
    await expect(ssm.send(new GetParameterCommand({ Name: `${PREFIX}/missing` }))).rejects.toMatchObject({
      name: 'ParameterNotFound',
      $fault: 'client',
    });
  });

  it('reads several parameters at once and lists the missing ones as InvalidParameters', async () => {
    await ssm.send(new PutParameterCommand({ Name: `${PREFIX}/multi/a`, Value: 'A', Type: 'String' }));
    await ssm.send(new PutParameterCommand({ Name: `${PREFIX}/multi/b`, Value: 'B', Type: 'SecureString' }));
    const result = await ssm.send(
      new GetParametersCommand({
        Names: [`${PREFIX}/multi/a`, `${PREFIX}/multi/b`, `${PREFIX}/multi/none`],
        WithDecryption: true,
      }),
    );
    expect(result.Parameters?.map((p) => [p.Name, p.Value])).toEqual([
      [`${PREFIX}/multi/a`, 'A'],
      [`${PREFIX}/multi/b`, 'B'],
    ]);
    expect(result.InvalidParameters).toEqual([`${PREFIX}/multi/none`]);
  });

  it('lists a path one level deep, or recursively, in pages of at most MaxResults', async () => {
    for (const name of ['policies/ep-1', 'policies/ep-2', 'policies/ep-3', 'policies/nested/ep-4']) {
      await ssm.send(
        new PutParameterCommand({ Name: `${PREFIX}/tree/${name}`, Value: name, Type: 'String' }),
      );
    }
    const shallow = await ssm.send(new GetParametersByPathCommand({ Path: `${PREFIX}/tree/policies` }));
    expect(shallow.Parameters?.map((p) => p.Name)).toEqual([
      `${PREFIX}/tree/policies/ep-1`,
      `${PREFIX}/tree/policies/ep-2`,
      `${PREFIX}/tree/policies/ep-3`,
    ]);

    const names: string[] = [];
    let NextToken: string | undefined;
    let pages = 0;
    do {
      const page = await ssm.send(
        new GetParametersByPathCommand({ Path: `${PREFIX}/tree`, Recursive: true, MaxResults: 3, NextToken }),
      );
      names.push(...(page.Parameters ?? []).map((p) => p.Name!));
      NextToken = page.NextToken;
      pages += 1;
    } while (NextToken);
    expect(pages).toBe(2);
    expect(names).toHaveLength(4);
    expect(names).toContain(`${PREFIX}/tree/policies/nested/ep-4`);
  });

  it('refuses MaxResults above 10 with ValidationException', async () => {
    await expect(
      ssm.send(new GetParametersByPathCommand({ Path: PREFIX, MaxResults: 11 })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });
});
