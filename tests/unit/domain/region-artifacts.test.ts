import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../../shared/domain/index';
import {
  regionArtifactProblems,
  resolveArtifacts,
  templatesFor,
} from '../../../shared/domain/region-artifacts';
import { regionCanaryPolicy } from '../../../shared/domain/region-canary';
import { rawStandardPolicy, standardPolicy } from '../../fixtures/policies/policy-fixtures';

const PROMOTED = {
  modelName: 'fraud-v2',
  image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/fraud/scorer:2.1',
  modelDataUrl: 's3://models-us-east-1/fraud/v2/model.tar.gz',
};

describe('resolveArtifacts', () => {
  it.each([
    ['s3://models-{region}/{key}', 's3://models-eu-west-1/fraud/v2/model.tar.gz'],
    ['s3://eu-bucket/{model}.tar.gz', 's3://eu-bucket/fraud-v2.tar.gz'],
  ])('fills the model data template %s', (template, expected) => {
    const resolved = resolveArtifacts('eu-west-1', { modelDataUrl: template, image: 'i' }, PROMOTED);
    expect(resolved).toEqual({ ok: true, image: 'i', modelDataUrl: expected });
  });

  it.each([
    [
      '123456789012.dkr.ecr.{region}.amazonaws.com/{repository}:{tag}',
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/fraud/scorer:2.1',
    ],
    [
      '999999999999.dkr.ecr.eu-west-1.amazonaws.com/mirror:{tag}',
      '999999999999.dkr.ecr.eu-west-1.amazonaws.com/mirror:2.1',
    ],
  ])('fills the image template %s', (template, expected) => {
    const resolved = resolveArtifacts(
      'eu-west-1',
      { modelDataUrl: 's3://b/{key}', image: template },
      PROMOTED,
    );
    expect(resolved).toMatchObject({ ok: true, image: expected });
  });

  it('reads a digest as the tag', () => {
    const resolved = resolveArtifacts(
      'eu-west-1',
      { image: 'r.{region}/{repository}@{tag}' },
      { ...PROMOTED, image: 'x/fraud@sha256:abc', modelDataUrl: null },
    );
    expect(resolved).toEqual({ ok: true, image: 'r.eu-west-1/fraud@sha256:abc', modelDataUrl: null });
  });

  it('never copies the primary region artifacts: a region without a mapping is refused with what is missing', () => {
    expect(resolveArtifacts('eu-west-1', { modelDataUrl: 's3://b/{key}' }, PROMOTED)).toEqual({
      ok: false,
      problem: expect.stringContaining('no image mapping for eu-west-1'),
    });
    expect(resolveArtifacts('eu-west-1', { image: 'i' }, PROMOTED)).toEqual({
      ok: false,
      problem: expect.stringContaining('no model data mapping for eu-west-1'),
    });
  });

  it('needs no model data mapping for a model without model data', () => {
    expect(
      resolveArtifacts('eu-west-1', { image: 'i-{region}' }, { ...PROMOTED, modelDataUrl: null }),
    ).toEqual({
      ok: true,
      image: 'i-eu-west-1',
      modelDataUrl: null,
    });
  });
});

describe('templatesFor', () => {
  it("takes a region's own fields before the policy's artifacts", () => {
    expect(
      templatesFor(
        { region: 'eu-west-1', endpointName: 'eu', image: 'own' },
        { image: 'shared', modelDataUrl: 's3://shared/{key}' },
      ),
    ).toEqual({ image: 'own', modelDataUrl: 's3://shared/{key}' });
  });
});

describe('regionArtifactProblems', () => {
  it('lists every unmapped region by path and is empty when artifacts cover them all', () => {
    const unmapped = standardPolicy((raw) => {
      raw.regions = [
        { region: 'us-west-2', endpointName: 'dr' },
        { region: 'eu-west-1', endpointName: 'eu', modelDataUrl: 's3://eu/{key}' },
      ];
    });
    expect(regionArtifactProblems(unmapped)).toEqual([
      expect.stringMatching(
        /^regions\[0\]: no artifact mapping for us-west-2: set regions\[0\]\.modelDataUrl and regions\[0\]\.image, or artifacts\.modelDataUrl and artifacts\.image/,
      ),
      expect.stringMatching(
        /^regions\[1\]: no artifact mapping for eu-west-1: set regions\[1\]\.image, or artifacts\.image/,
      ),
    ]);
    const mapped = standardPolicy((raw) => {
      raw.regions = [{ region: 'us-west-2', endpointName: 'dr' }];
      raw.artifacts = { modelDataUrl: 's3://m-{region}/{key}', image: 'i:{tag}' };
    });
    expect(regionArtifactProblems(mapped)).toEqual([]);
  });
});

describe('the policy fields of the ladder', () => {
  it('normalises bake to seconds and keeps artifacts, repairDrift and the mappings', () => {
    const raw = rawStandardPolicy();
    raw.artifacts = { modelDataUrl: 's3://m-{region}/{key}', image: 'i-{region}:{tag}' };
    raw.regions = [
      { region: 'us-west-2', endpointName: 'dr', bake: '15m', repairDrift: true },
      { region: 'eu-west-1', endpointName: 'eu', bake: '0s', image: 'eu:{tag}' },
      { region: 'ap-southeast-2', endpointName: 'ap' },
    ];
    const parsed = parsePolicy(raw);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.policy.regions).toEqual([
      { region: 'us-west-2', endpointName: 'dr', bakeSeconds: 900, repairDrift: true },
      { region: 'eu-west-1', endpointName: 'eu', bakeSeconds: 0, image: 'eu:{tag}' },
      { region: 'ap-southeast-2', endpointName: 'ap' },
    ]);
    expect(parsed.policy.artifacts).toEqual(raw.artifacts);
  });

  it.each([
    [{ modelDataUrl: 'models/{key}' }, 'artifacts.modelDataUrl: must be an S3 URL'],
    [{ image: 'x.{regoin}/y' }, 'artifacts.image: unknown placeholder {regoin}'],
  ])('refuses a bad template %j', (artifacts, problem) => {
    const raw = rawStandardPolicy();
    raw.artifacts = artifacts;
    const parsed = parsePolicy(raw);
    expect(parsed.ok ? [] : parsed.problems).toEqual([expect.stringContaining(problem)]);
  });

  it('refuses a bake that is not a duration', () => {
    const raw = rawStandardPolicy();
    raw.regions = [{ region: 'us-west-2', endpointName: 'dr', bake: 'soon' }];
    const parsed = parsePolicy(raw);
    expect(parsed.ok ? [] : parsed.problems).toEqual([
      expect.stringContaining('regions[0].bake: must be a duration'),
    ]);
  });
});

describe("a region's own canary steps", () => {
  it('are checked by path and normalised like the rollout steps', () => {
    const raw = rawStandardPolicy();
    raw.regions = [
      { region: 'us-west-2', endpointName: 'dr', steps: [{ setWeight: 20 }, { pause: { duration: '5m' } }] },
      { region: 'eu-west-1', endpointName: 'eu', steps: [{ setWeight: 120 }, { wait: 1 }] },
    ];
    const parsed = parsePolicy(raw);
    expect(parsed.ok ? [] : parsed.problems).toEqual([
      expect.stringContaining('regions[1].steps[0].setWeight'),
      expect.stringContaining('regions[1].steps[1]: must be either'),
    ]);
    raw.regions.pop();
    const ok = parsePolicy(raw);
    expect(ok.ok && ok.policy.regions[0]?.steps).toEqual([
      { kind: 'setWeight', weight: 20 },
      { kind: 'pause', durationSeconds: 300 },
    ]);
  });

  it("run on the rollout's whole analysis, comparisons included, pointed at the region's two variants", () => {
    const region = regionCanaryPolicy(
      standardPolicy(),
      { endpointName: 'eu', region: 'eu-west-1', baselineVariant: 'primary', canaryVariant: 'canary-next' },
      [{ kind: 'setWeight', weight: 50 }],
    );
    expect(region.endpoint).toEqual({
      name: 'eu',
      region: 'eu-west-1',
      baselineVariant: 'primary',
      canaryVariant: 'canary-next',
    });
    expect(region.steps).toEqual([{ kind: 'setWeight', weight: 50 }]);
    expect(region.analysis.metrics[0]).toMatchObject({ maxIncrease: 0.01 });
    expect(region.rollback.onAlarms).toEqual([]);
  });
});
