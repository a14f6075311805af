// Runs the whole suite with vitest and ends with the plain line CI reads: "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

mkdirSync('.test-results', { recursive: true });
const report = '.test-results/vitest.json';
const args = [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
  ...process.argv.slice(2),
];
const run = spawnSync('npx', args, { stdio: 'inherit' });

let summary = '';
try {
  const results = JSON.parse(readFileSync(report, 'utf8'));
  // Errors outside any test (an unhandled rejection) fail the run without failing a test: count them.
  const failed = results.numFailedTests + (run.status !== 0 && results.numFailedTests === 0 ? 1 : 0);
  summary = `${results.numPassedTests} passed, ${failed} failed, ${results.numPendingTests + results.numTodoTests} skipped`;
} catch {
  summary = '0 passed, 1 failed';
}
process.stdout.write(`\n${summary}\n`);
process.exit(run.status ?? 1);
