import { resolve } from 'node:path';

/**
 * `carechat` as operators run it: the built server (packages/server/build.mjs), which the suite's
 * global setup builds before any test starts. `node CARECHAT serve` starts a node.
 */
export const CARECHAT = resolve(import.meta.dirname, '../../bin/carechat.mjs');
