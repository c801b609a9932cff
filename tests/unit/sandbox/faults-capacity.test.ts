import { describe, expect, it } from 'vitest';
import { createFaults } from '../../../sandbox/faults';

describe('faults: instance capacity', () => {
  it('exhausts an instance type in one region until it is restored', () => {
    const faults = createFaults();
    faults.exhaustCapacity('us-east-1', 'ml.g5.xlarge');
    expect(faults.isCapacityExhausted('us-east-1', 'ml.g5.xlarge')).toBe(true);
    expect(faults.isCapacityExhausted('us-west-2', 'ml.g5.xlarge')).toBe(false);
    expect(faults.isCapacityExhausted('us-east-1', 'ml.m5.large')).toBe(false);
    expect(faults.snapshot().capacityExhausted).toEqual(['us-east-1/ml.g5.xlarge']);

    faults.restoreCapacity('us-east-1', 'ml.g5.xlarge');
    expect(faults.isCapacityExhausted('us-east-1', 'ml.g5.xlarge')).toBe(false);
    expect(faults.snapshot().capacityExhausted).toEqual([]);
  });

  it('gives capacity back on clear()', () => {
    const faults = createFaults();
    faults.exhaustCapacity('eu-west-1', 'ml.p4d.24xlarge');
    faults.clear();
    expect(faults.isCapacityExhausted('eu-west-1', 'ml.p4d.24xlarge')).toBe(false);
  });
});
