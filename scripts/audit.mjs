// Supply chain check for CI: `npm audit --omit=dev --audit-level=high`. Fatal on any high or
// critical finding in what ships; non-fatal only when the registry's audit endpoint cannot answer
// (offline CI, a mirror without the endpoint), which is reported loudly.
import { spawnSync } from 'node:child_process';

const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8', timeout: 120_000 });
let report;
try {
  report = JSON.parse(run.stdout);
} catch {
  report = undefined;
}

const vulnerabilities = report?.metadata?.vulnerabilities;
if (!vulnerabilities) {
  const reason = report?.message ?? report?.error?.summary ?? run.error?.message ?? 'no answer';
  process.stdout.write(
    `npm audit: the registry's audit endpoint could not answer (${reason}); NOT CHECKED\n`,
  );
  process.exit(0);
}

const high = (vulnerabilities.high ?? 0) + (vulnerabilities.critical ?? 0);
const findings = Object.values(report.vulnerabilities ?? {})
  .filter((v) => v.severity === 'high' || v.severity === 'critical')
  .map((v) => `  ${v.severity.padEnd(8)} ${v.name} ${v.range ?? ''}`);
if (high > 0) {
  process.stdout.write(
    `npm audit: ${high} high or critical finding(s) in production dependencies:\n${findings.join('\n')}\n`,
  );
  process.exit(1);
}
process.stdout.write(
  `npm audit: no high or critical findings (${vulnerabilities.moderate ?? 0} moderate, ${vulnerabilities.low ?? 0} low)\n`,
);
