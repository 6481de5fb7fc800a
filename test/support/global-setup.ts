/**
 * Before any e2e file starts: the CLI build (local/prebuilt.mjs) made fresh once, here, rather
 * than by whichever CLI processes the parallel files start first, each building the same
 * thing at once (~2-5 s CPU each after a source change). A build that fails leaves the CLI on
 * tsx, as it would for a user; the tests then say why.
 */
import { prebuilt } from '../../local/prebuilt.mjs';

export default async function setup(): Promise<void> {
  await prebuilt();
}
