import type { PipelineConfig } from '../config.ts';
import type { PipelineMetrics } from '../metrics.ts';
import type { PluginLogger, PluginSet } from '../plugins.ts';
import type { SecretReader } from '../secrets.ts';
import type { ExecutionStarter, ReportArchive, ReportLinks, ReportStore } from '../store.ts';

/** Everything a pipeline step needs; built once per Lambda container (functions/deps.ts) or local runtime. */
export interface PipelineDeps {
  config: PipelineConfig;
  store: ReportStore;
  archive: ReportArchive;
  starter: ExecutionStarter;
  plugins: PluginSet;
  logger: PluginLogger;
  /** Counters the alarms watch (EMF in Lambda, in memory locally). */
  metrics: PipelineMetrics;
  /** Handed to plugins; read lazily, so only the function that needs a secret needs access to it. */
  secrets: SecretReader;
  /** Links to full reports in emitters' messages (ALERTWARDEN_REPORT_LINK); none when unset. */
  reportLinks?: ReportLinks;
  now: () => number;
}
