import { describe, expect, it } from 'vitest';
import { weightProblems } from '../../../shared/aws/sagemaker-endpoints';

const VERIFIED = ['primary', 'canary'];

describe('weightProblems', () => {
  it.each<[string, Record<string, number>]>([
    ['whole weights summing to 100', { primary: 95, canary: 5 }],
    ['the canary at 0', { primary: 100, canary: 0 }],
    ['the canary at 100', { primary: 0, canary: 100 }],
  ])('accepts %s', (_label, weights) => {
    expect(weightProblems(weights, VERIFIED)).toEqual([]);
  });

  it.each<[string, Record<string, number>, RegExp]>([
    ['a negative weight', { primary: 105, canary: -5 }, /whole number 0\.\.100/],
    ['a fractional weight', { primary: 94.5, canary: 5.5 }, /whole number/],
    ['NaN', { primary: Number.NaN, canary: 100 }, /whole number/],
    ['all zero', { primary: 0, canary: 0 }, /all weights are zero/],
    ['a sum other than 100', { primary: 90, canary: 5 }, /sum to 100/],
    ['an unverified variant name', { primary: 95, shadow: 5 }, /shadow is not on the endpoint/],
    ['no weights at all', {}, /no weights/],
  ])('refuses %s before any call', (_label, weights, problem) => {
    expect(weightProblems(weights, VERIFIED).join('; ')).toMatch(problem);
  });
});
