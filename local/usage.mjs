// Plain JavaScript on purpose: `alertwarden --help` and `--version` print from here without
// loading TypeScript, the AWS SDK or the local engine (local/bin.mjs).
import { readFileSync } from 'node:fs';

export const VERSION = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

export const USAGE = `usage: alertwarden run [FILE|DIR|-]... [options]
       alertwarden detect [--source NAME] FILE...|-    (alertwarden detect --help)
       alertwarden rules test
       alertwarden new inspector NAME                  (a plugin folder to start from)
       alertwarden --version | --help

Runs the AlertWarden pipeline locally: loopback DynamoDB and S3, the state machine from
statemachines/, the same Lambda handlers as in AWS. No AWS account is used.

Inputs: JSON (an alert or an array of alerts) or JSONL; a folder is read for its .json,
.jsonl and .ndjson files; - reads standard input.

options:
  --json             print each final report as one JSON line on stdout, nothing else
  --out DIR          write full reports to DIR/reports/<id>.json (default: out)
  --delay SECONDS    aggregation wait before the final review (default: 2)
  --emitters LIST    emitters to run, comma-separated (default: file,quarantine; quarantine
                     runs offline in dry-run here: it lists the calls it would make in AWS)
  --inspectors LIST  inspectors to run, comma-separated (default: all)
  --blocklists LIST  blocklist sources (default: the sample list shipped with AlertWarden)
  --state DIR        keep DynamoDB, S3 and the queue in DIR; after a crash, run again with
                     the same DIR (inputs optional) to finish what was under way
  --store memory     keep reports in this process instead of the local DynamoDB and S3
                     servers: several times faster for bulk replays; nothing persists, so
                     not with --state (default: dynamodb)
  --verbose          show the pipeline's own structured logs on stdout
  -v, --version      print the version
  -h, --help         show this help

Every ALERTWARDEN_* variable of the deployed functions (see core/config.ts) is read from the
environment here too, e.g. ALERTWARDEN_REVIEW_POLICY=my-policy.json; a flag wins over it.
`;
