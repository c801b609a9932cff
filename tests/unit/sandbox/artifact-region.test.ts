import { describe, expect, it } from 'vitest';
import {
  foreignArtifact,
  imageRegion,
  modelDataRegion,
} from '../../../sandbox/services/sagemaker/artifact-region';

describe('where the sandbox places artifacts', () => {
  it.each([
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com/fraud:2', 'eu-west-1'],
    ['123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/fraud:2', 'us-gov-west-1'],
    ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/fraud@sha256:ab', 'cn-north-1'],
    ['docker.io/library/nginx:1', null],
    ['img:1', null],
  ])('reads the ECR image %s as %s', (image, region) => {
    expect(imageRegion(image)).toBe(region);
  });

  it.each([
    ['s3://models-eu-west-1/fraud/model.tar.gz', 'eu-west-1'],
    ['s3://fraud.us-west-2.artifacts/model.tar.gz', 'us-west-2'],
    ['s3://ap-southeast-2-models/x.tar.gz', 'ap-southeast-2'],
    ['https://models.s3.eu-central-1.amazonaws.com/x.tar.gz', 'eu-central-1'],
    ['https://s3.us-west-1.amazonaws.com/bucket/x.tar.gz', 'us-west-1'],
    ['https://models-eu-west-3.s3.amazonaws.com/x.tar.gz', 'eu-west-3'],
    ['s3://models/fraud/model.tar.gz', null],
  ])('reads the model data %s as %s', (url, region) => {
    expect(modelDataRegion(url)).toBe(region);
  });

  it('refuses only what it can place in another region', () => {
    expect(
      foreignArtifact('eu-west-1', [{ Image: '1.dkr.ecr.eu-west-1.amazonaws.com/x:1' }], null),
    ).toBeNull();
    expect(
      foreignArtifact('eu-west-1', [{ Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1' }], null),
    ).toContain('needs its image in an Amazon ECR repository in eu-west-1');
    expect(
      foreignArtifact(
        'eu-west-1',
        [{ Image: 'img:1', ModelDataUrl: 's3://models-us-east-1/m.tar.gz' }],
        'arn:role',
      ),
    ).toContain('Could not access model data at s3://models-us-east-1/m.tar.gz');
    expect(
      foreignArtifact('eu-west-1', [{ Image: 'img:1', ModelDataUrl: 's3://models/m.tar.gz' }], null),
    ).toBeNull();
  });
});
