/**
 * Whether the store must record sightings: only while the inspector that reads them runs (a
 * write per new attribute). Apart from the registry so that every function can ask without
 * loading the inspectors.
 */
export const recordsSightings = (enabledInspectors: readonly string[]): boolean => enabledInspectors.includes('correlation');
