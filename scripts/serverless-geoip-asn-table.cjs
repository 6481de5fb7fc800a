// Serverless plugin: before anything is bundled or zipped, makes sure the geoip ASN table file
// (inspectors/geoip/asn-table-cache.ts) exists and matches the installed CSV, so serverless.yml
// can ship it with inspect in place of the CSV: the Lambda then loads the table with one read
// instead of spending ~1 s of CPU of its first event reading 515,000 CSV rows. Runs for
// `sls package` and `sls deploy` (whole stack or one function).
const { spawnSync } = require('node:child_process');
const path = require('node:path');

class GeoipAsnTable {
  constructor(serverless, _options, { log } = {}) {
    const ensure = () => {
      const root = serverless.serviceDir ?? serverless.config.servicePath;
      const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'geoip-asn-table.ts')], { cwd: root, encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`the geoip ASN table could not be built (scripts/geoip-asn-table.ts):\n${run.stderr || run.stdout}`);
      (log?.verbose ?? console.log)(run.stdout.trim());
    };
    this.hooks = { 'package:initialize': ensure, 'before:deploy:function:packageFunction': ensure };
  }
}

module.exports = GeoipAsnTable;
