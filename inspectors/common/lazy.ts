/**
 * An inspector whose code is imported on first use. Every function builds the inspector list
 * (planning routes by it) and the inspect bundle is near its size budget: with esbuild's
 * splitting, an `import()` here becomes a chunk beside the handler that only a container that
 * actually runs the inspector loads. The import and the build happen in `prepare`, which the
 * local runtime calls at start (a bad setting stops the CLI) and Lambda before the first
 * inspection; a failed load is not remembered, so the next call tries again.
 */
import { PluginContractError } from '../../core/errors.ts';
import { defineInspector, type Inspector } from '../../core/plugins.ts';

export interface LazySpec {
  name: string;
  accepts: Inspector['accepts'];
  timeoutMs?: number;
}

/**
 * @example
 * lazyInspector({ name: 'correlation', accepts: ['ipaddr'] }, async () => (await import('../correlation/index.ts')).createCorrelationInspector({ sightings }));
 */
export const lazyInspector = (spec: LazySpec, load: () => Promise<Inspector>): Inspector => {
  let loaded: Promise<Inspector> | undefined;
  const inner = () =>
    (loaded ??= load().then(
      (inspector) => {
        // The routing every other function uses comes from `spec`: the code must agree with it.
        const same = inspector.name === spec.name && inspector.accepts.join() === spec.accepts.join() && inspector.timeoutMs === spec.timeoutMs;
        if (!same) throw new PluginContractError(`inspector ${spec.name}: its code declares ${inspector.name} accepting ${inspector.accepts.join(',')} (timeout ${inspector.timeoutMs}), its catalog entry ${spec.accepts.join(',')} (timeout ${spec.timeoutMs})`);
        return inspector;
      },
    ).catch((error: unknown) => {
      loaded = undefined;
      throw error;
    }));
  return defineInspector({
    ...spec,
    async prepare(ctx) {
      await (await inner()).prepare?.(ctx);
    },
    async inspect(attribute, ctx) {
      return (await inner()).inspect(attribute, ctx);
    },
  });
};
