/**
 * `UpdateEndpoint`'s `RetainAllVariantProperties`: a variant the new config shares (by name)
 * with the one in service keeps its current weight and instance count instead of the config's
 * initial ones, unless `ExcludeRetainedVariantProperties` names the property.
 */

/** The variant properties an UpdateEndpoint can retain that the emulation models. */
export type RetainableProperty = 'DesiredWeight' | 'DesiredInstanceCount';

export interface WeightedVariant {
  VariantName: string;
  CurrentWeight: number;
  DesiredWeight: number;
  CurrentInstanceCount: number;
  DesiredInstanceCount: number;
}

/**
 * The new config's variants with the serving variants' weight and count carried over where
 * `retain` asks for it. Inputs: `next` (from the new config), `serving` (the endpoint's variants
 * now), `retain` (the request's flag), `excluded` (the properties it names not to retain).
 */
export function retainVariantProperties<T extends WeightedVariant>(
  next: readonly T[],
  serving: readonly WeightedVariant[],
  retain: boolean,
  excluded: ReadonlySet<string>,
): T[] {
  if (!retain) return next.map((v) => ({ ...v }));
  return next.map((v) => {
    const now = serving.find((s) => s.VariantName === v.VariantName);
    if (!now) return { ...v };
    return {
      ...v,
      ...(excluded.has('DesiredWeight') ? {} : { DesiredWeight: now.CurrentWeight }),
      ...(excluded.has('DesiredInstanceCount') ? {} : { DesiredInstanceCount: now.CurrentInstanceCount }),
    };
  });
}

/** The property names of an `ExcludeRetainedVariantProperties` list (entries that are not structures are ignored). */
export function excludedProperties(raw: unknown): Set<string> {
  if (!Array.isArray(raw)) return new Set();
  return new Set(
    raw.flatMap((entry: unknown) =>
      entry &&
      typeof entry === 'object' &&
      typeof (entry as Record<string, unknown>).VariantPropertyType === 'string'
        ? [(entry as Record<string, unknown>).VariantPropertyType as string]
        : [],
    ),
  );
}
