/**
 * Where a model's artifacts live, as far as the sandbox can tell, so that CreateModel can refuse a
 * model whose image or model data is in another region: SageMaker documents that the model data
 * bucket and the ECR image must be in the same region as the model (ContainerDefinition,
 * `Image` and `ModelDataUrl`). The sandbox holds no S3, so a bucket's region comes from its name.
 */

/** A region name inside a host or bucket name: `us-east-1`, `eu-west-1`, `us-gov-west-1`, `cn-north-1`. */
const REGION_IN_NAME = /(?:^|[.-])((?:us-gov|us-iso|us|eu|ap|sa|ca|me|af|il|mx|cn)-[a-z]+-\d)(?=$|[.-])/g;

/** `<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/repository[:tag|@digest]`. */
const ECR_IMAGE = /^\d{12}\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\//;

/** The region of an ECR image, or null for an image from another registry (the sandbox cannot tell). */
export function imageRegion(image: string): string | null {
  return ECR_IMAGE.exec(image)?.[1] ?? null;
}

/**
 * The region of the bucket a model data URL points into, or null when the sandbox cannot tell.
 * In order: a region in the S3 host (`https://bucket.s3.eu-west-1.amazonaws.com/…`,
 * `https://s3.eu-west-1.amazonaws.com/bucket/…`), then the sandbox's convention for bucket names:
 * the last region name in the bucket's name (`models-eu-west-1`, `fraud.us-west-2.artifacts`).
 */
export function modelDataRegion(url: string): string | null {
  const s3 = /^s3:\/\/([^/]+)/.exec(url);
  if (s3) return lastRegionIn(s3[1] ?? '');
  const https = /^https:\/\/([^/]+)\/([^/]*)/.exec(url);
  if (!https) return null;
  const host = https[1] ?? '';
  const inHost = /(?:^|\.)s3[.-]([a-z0-9-]+)\.amazonaws\.com/.exec(host)?.[1];
  if (inHost && inHost !== 'external-1' && /\d$/.test(inHost)) return inHost;
  const bucket = host.includes('.s3') ? host.slice(0, host.indexOf('.s3')) : (https[2] ?? '');
  return lastRegionIn(bucket);
}

function lastRegionIn(name: string): string | null {
  let found: string | null = null;
  for (const match of name.matchAll(REGION_IN_NAME)) found = match[1] ?? found;
  return found;
}

/**
 * Why CreateModel in `region` must be refused for these containers, or null when every image and
 * model data URL the sandbox can place is in `region` (or cannot be placed at all).
 */
export function foreignArtifact(
  region: string,
  containers: ReadonlyArray<{ Image?: unknown; ModelDataUrl?: unknown }>,
  executionRoleArn: unknown,
): string | null {
  for (const container of containers) {
    const url = typeof container.ModelDataUrl === 'string' ? container.ModelDataUrl : null;
    const dataRegion = url ? modelDataRegion(url) : null;
    if (url && dataRegion && dataRegion !== region) {
      // SageMaker's own wording for model data it cannot read from the model's region.
      return `Could not access model data at ${url}. Please ensure that the role "${String(executionRoleArn ?? '')}" exists and that its trust relationship policy allows the action "sts:AssumeRole" for the service principal "sagemaker.amazonaws.com". Also ensure that the role has "s3:GetObject" permissions and that the object is located in ${region}.`;
    }
    const image = typeof container.Image === 'string' ? container.Image : null;
    const fromRegion = image ? imageRegion(image) : null;
    if (image && fromRegion && fromRegion !== region) {
      return `Image ${image} is in ECR in ${fromRegion}; a model in ${region} needs its image in an Amazon ECR repository in ${region}.`;
    }
  }
  return null;
}
