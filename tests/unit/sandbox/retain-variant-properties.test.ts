import { describe, expect, it } from 'vitest';
import {
  excludedProperties,
  retainVariantProperties,
} from '../../../sandbox/services/sagemaker/retain-variant-properties';

const variant = (name: string, weight: number, count: number) => ({
  VariantName: name,
  CurrentWeight: weight,
  DesiredWeight: weight,
  CurrentInstanceCount: count,
  DesiredInstanceCount: count,
});

const serving = [variant('primary', 80, 3), variant('canary', 20, 1)];
const next = [variant('primary', 1, 1), variant('promoted', 0, 2)];

describe('retainVariantProperties', () => {
  it('takes the new config as it is when the update does not ask to retain', () => {
    expect(retainVariantProperties(next, serving, false, new Set())).toEqual(next);
  });

  it('keeps the serving weight and count of a variant the new config shares by name, and leaves new variants as configured', () => {
    const out = retainVariantProperties(next, serving, true, new Set());
    expect(out.map((v) => [v.VariantName, v.DesiredWeight, v.DesiredInstanceCount])).toEqual([
      ['primary', 80, 3],
      ['promoted', 0, 2],
    ]);
  });

  it.each([
    ['DesiredWeight', [1, 3]],
    ['DesiredInstanceCount', [80, 1]],
  ])('does not retain %s when it is excluded', (property, [weight, count]) => {
    const [primary] = retainVariantProperties(next, serving, true, new Set([property]));
    expect([primary?.DesiredWeight, primary?.DesiredInstanceCount]).toEqual([weight, count]);
  });
});

describe('excludedProperties', () => {
  it('reads the property types of an ExcludeRetainedVariantProperties list and ignores anything else', () => {
    expect(
      excludedProperties([{ VariantPropertyType: 'DesiredWeight' }, null, 'DesiredInstanceCount', {}]),
    ).toEqual(new Set(['DesiredWeight']));
    expect(excludedProperties(undefined)).toEqual(new Set());
  });
});
