import { describe, expect, it } from 'vitest';
import {
  capacityCheck,
  firstVariantShortOfCapacity,
} from '../../../sandbox/services/sagemaker/instance-capacity';

const variants = [
  { VariantName: 'primary', InstanceType: 'ml.m5.large' },
  { VariantName: 'serverless' },
  { VariantName: 'canary', InstanceType: 'ml.g5.xlarge' },
];

describe('firstVariantShortOfCapacity', () => {
  it('names the first variant whose instance type the region cannot provision, changed or not', () => {
    const exhausted = capacityCheck({ 'us-east-1': ['ml.g5.xlarge', 'ml.m5.large'] });
    expect(firstVariantShortOfCapacity(variants, 'us-east-1', exhausted)?.VariantName).toBe('primary');
  });

  it('finds none when every instance type can be placed, and never blames a variant without one', () => {
    const exhausted = capacityCheck({ 'us-east-1': ['ml.p4d.24xlarge'] });
    expect(firstVariantShortOfCapacity(variants, 'us-east-1', exhausted)).toBeUndefined();
  });

  it('judges each region on its own', () => {
    const exhausted = capacityCheck({ 'eu-west-1': ['ml.g5.xlarge'] });
    expect(firstVariantShortOfCapacity(variants, 'us-east-1', exhausted)).toBeUndefined();
    expect(firstVariantShortOfCapacity(variants, 'eu-west-1', exhausted)?.VariantName).toBe('canary');
  });
});

describe('capacityCheck', () => {
  it.each([
    ['the fixed set only', { 'us-east-1': ['ml.g5.xlarge'] }, () => false, true],
    ['the live check only', undefined, (_r: string, type: string) => type === 'ml.g5.xlarge', true],
    ['neither', { 'us-east-1': ['ml.m5.large'] }, () => false, false],
  ])('counts a type exhausted when %s says so', (_case, fixed, live, expected) => {
    expect(capacityCheck(fixed, live)('us-east-1', 'ml.g5.xlarge')).toBe(expected);
  });
});
