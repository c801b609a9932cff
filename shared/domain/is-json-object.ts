/** True for a plain JSON object (not null, not an array): what every parser of untrusted input checks first. */
export const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
