/**
 * The code of the opt-in inspectors (OPT_IN_CATALOG in ./index.ts), registered on import.
 * Imported by functions/inspect.ts, the only function that runs inspectors; the local runtime
 * imports that handler, so local runs have them too. The newer ones load their code on first
 * use (./common/lazy.ts), keeping it out of the inspect entry bundle.
 */
import { ConfigError } from '../core/errors.ts';
import type { Inspector } from '../core/plugins.ts';
import { ec2InspectorFromEnv } from './aws-ec2/index.ts';
import { iamInspectorFromEnv } from './aws-iam/index.ts';
import { lazyInspector } from './common/lazy.ts';
import { OPT_IN_CATALOG, registerOptInInspectors, type InspectorClients } from './index.ts';

const specOf = (name: string) => ({ name, ...OPT_IN_CATALOG[name]! });

const needs = <K extends keyof InspectorClients>(name: string, clients: InspectorClients, ...keys: K[]): Required<Pick<InspectorClients, K>> => {
  for (const key of keys) if (!clients[key]) throw new ConfigError(`inspector ${name} needs the ${key === 'store' ? 'report store' : 'secrets port'} (pass it to builtinInspectors)`);
  return clients as Required<Pick<InspectorClients, K>>;
};

const keyed = (name: string, clients: InspectorClients, build: (deps: Required<Pick<InspectorClients, 'secrets' | 'store'>>) => Promise<Inspector | undefined>) => {
  const deps = needs(name, clients, 'secrets', 'store');
  return lazyInspector(specOf(name), async () => {
    const inspector = await build(deps);
    // OPT_IN_CATALOG's `requires` was checked when the list was built.
    if (!inspector) throw new ConfigError(`inspector ${name} has no API key parameter`);
    return inspector;
  });
};

registerOptInInspectors({
  'aws-ec2': (env) => ec2InspectorFromEnv(env),
  'aws-iam': (env) => iamInspectorFromEnv(env),
  'aws-cloudtrail-history': (env) =>
    lazyInspector(specOf('aws-cloudtrail-history'), async () => (await import('./aws-cloudtrail-history/index.ts')).cloudTrailInspectorFromEnv(env)),
  correlation: (env, clients) => {
    const { store } = needs('correlation', clients, 'store');
    return lazyInspector(specOf('correlation'), async () => (await import('./correlation/index.ts')).correlationInspectorFromEnv(env, store));
  },
  abuseipdb: (env, clients) =>
    keyed('abuseipdb', clients, async ({ secrets, store }) => (await import('./abuseipdb/index.ts')).abuseIpdbInspectorFromEnv(env, { secrets, budget: store })),
  greynoise: (env, clients) =>
    keyed('greynoise', clients, async ({ secrets, store }) => (await import('./greynoise/index.ts')).greyNoiseInspectorFromEnv(env, { secrets, budget: store })),
});
