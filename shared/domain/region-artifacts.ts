import type { ArtifactTemplates, RegionTarget, RolloutPolicy } from './types';

/**
 * Placeholders an artifact template may use, each filled from the promoted model (read from the
 * primary endpoint) or the target region:
 * - `{region}`: the target region (`eu-west-1`);
 * - `{model}`: the promoted model's name;
 * - `{key}`: the object key of the promoted model data (`fraud/v2/model.tar.gz` of `s3://b/fraud/v2/model.tar.gz`);
 * - `{repository}`, `{tag}`: the image's repository path and tag or digest (`fraud`, `2` of `…/fraud:2`).
 */
export const ARTIFACT_PLACEHOLDERS: ReadonlySet<string> = new Set([
  'region',
  'model',
  'key',
  'repository',
  'tag',
]);

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** Placeholders of `template` that ARTIFACT_PLACEHOLDERS does not know (a typo such as `{regoin}`). */
export function unknownPlaceholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)]
    .map((match) => match[1] ?? '')
    .filter((name) => !ARTIFACT_PLACEHOLDERS.has(name));
}

/** What a region's copy is made from: the promoted model as the primary region serves it. */
export interface PromotedArtifacts {
  modelName: string;
  image: string | null;
  modelDataUrl: string | null;
}

/** Where one region's copy finds its image and model data. */
export type ResolvedArtifacts =
  { ok: true; image: string; modelDataUrl: string | null } | { ok: false; problem: string };

/** The templates that apply to `target`: its own fields first, then the policy's `artifacts`. */
export function templatesFor(target: RegionTarget, shared: ArtifactTemplates | undefined): ArtifactTemplates {
  const image = target.image ?? shared?.image;
  const modelDataUrl = target.modelDataUrl ?? shared?.modelDataUrl;
  return {
    ...(image === undefined ? {} : { image }),
    ...(modelDataUrl === undefined ? {} : { modelDataUrl }),
  };
}

/**
 * Fills a region's templates from the promoted model. SageMaker refuses a model whose image or model
 * data lives in another region than the model, so a copy is never made from the primary's own
 * URLs: without a mapping the region cannot be copied and the answer says which mapping is missing.
 * A promoted model without model data (artefacts baked into the image) needs no data mapping.
 */
export function resolveArtifacts(
  region: string,
  templates: ArtifactTemplates,
  promoted: PromotedArtifacts,
): ResolvedArtifacts {
  if (templates.image === undefined)
    return { ok: false, problem: `no image mapping for ${region} (regions[].image or artifacts.image)` };
  const image = parseImage(promoted.image);
  const values: Record<string, string> = {
    region,
    model: promoted.modelName,
    key: s3Key(promoted.modelDataUrl) ?? '',
    repository: image.repository,
    tag: image.tag,
  };
  const fill = (template: string) => template.replace(PLACEHOLDER, (_, name: string) => values[name] ?? '');
  if (promoted.modelDataUrl === null) return { ok: true, image: fill(templates.image), modelDataUrl: null };
  if (templates.modelDataUrl === undefined)
    return {
      ok: false,
      problem: `no model data mapping for ${region} (regions[].modelDataUrl or artifacts.modelDataUrl)`,
    };
  return { ok: true, image: fill(templates.image), modelDataUrl: fill(templates.modelDataUrl) };
}

/**
 * Problems, by path, of a policy whose regions cannot be mapped: every region needs an image and a
 * model data template, its own or the policy's `artifacts`. `validate` lists them with the policy's
 * other problems; the engine itself (replay, simulate, the tick) never needs them, so `parsePolicy`
 * accepts such a policy and region sync refuses only the unmapped region when it gets there.
 */
export function regionArtifactProblems(policy: Pick<RolloutPolicy, 'regions' | 'artifacts'>): string[] {
  const problems: string[] = [];
  policy.regions.forEach((target, index) => {
    const templates = templatesFor(target, policy.artifacts);
    const at = `regions[${index}]`;
    const missing = (['modelDataUrl', 'image'] as const).filter((field) => templates[field] === undefined);
    if (missing.length === 0) return;
    problems.push(
      `${at}: no artifact mapping for ${target.region}: set ${missing.map((f) => `${at}.${f}`).join(' and ')}, or ${missing.map((f) => `artifacts.${f}`).join(' and ')} (SageMaker needs the model data and the image in the model's own region)`,
    );
  });
  return problems;
}

/** The object key of an `s3://bucket/key` or `https://bucket.s3…/key` URL, or null. */
function s3Key(url: string | null): string | null {
  if (!url) return null;
  const match = /^(?:s3|https):\/\/[^/]+\/(.*)$/.exec(url);
  return match ? (match[1] ?? '') : null;
}

/** Repository path and tag (or `sha256:…` digest) of `registry/repository[:tag|@digest]`. */
function parseImage(image: string | null): { repository: string; tag: string } {
  if (!image) return { repository: '', tag: '' };
  const slash = image.indexOf('/');
  const path = slash >= 0 ? image.slice(slash + 1) : image;
  const at = path.indexOf('@');
  if (at >= 0) return { repository: path.slice(0, at), tag: path.slice(at + 1) };
  const colon = path.lastIndexOf(':');
  return colon >= 0
    ? { repository: path.slice(0, colon), tag: path.slice(colon + 1) }
    : { repository: path, tag: 'latest' };
}
