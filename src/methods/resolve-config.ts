import { parsePretrainConfig, type PretrainConfig, type PretrainInput } from './config.js';
import { getSliceMethod } from './registry.js';

/** Applies the method's paper defaults beneath the user's settings and validates. */
export function resolvePretrainConfig(input: PretrainInput): PretrainConfig {
  const method = getSliceMethod(input.method);
  const merged: Record<string, unknown> = { ...method.defaults, ...input };
  const derived: Record<string, unknown> = method.derivedDefaults?.(merged as Partial<PretrainConfig>) ?? {};
  for (const [k, v] of Object.entries(derived)) if (merged[k] === undefined) merged[k] = v;
  return parsePretrainConfig(merged);
}
