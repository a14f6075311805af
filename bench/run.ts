import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { diskCommitLatency } from './disk-commit.js';
import { idleScenario } from './idle.js';
import type { Result } from './ledger.js';
import { LoadClient } from './load-client.js';
import { type SetupName, startSetup } from './servers.js';
import { round } from './stats.js';
import { stormScenario } from './storm.js';
import { pairsScenario, rampScenario } from './traffic.js';

/**
 * `npm run bench [-- options]`: the load generator. Scenarios: pairs, ramp, idle, storm; setups:
 * sqlite (one node) and pg-redis (two nodes on PostgreSQL + Redis). `--json` prints one JSON line
 * per run; otherwise a table per run. Every scenario is bounded in time.
 */
const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'pairs,ramp,idle,storm' },
    setup: { type: 'string', default: 'sqlite,pg-redis' },
    json: { type: 'boolean', default: false },
    pairs: { type: 'string', default: '100' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    'ramp-start': { type: 'string', default: '250' },
    'ramp-factor': { type: 'string', default: '1.5' },
    'ramp-max': { type: 'string', default: '20000' },
    'ramp-step-seconds': { type: 'string', default: '5' },
    'ramp-p99-ms': { type: 'string', default: '100' },
    idle: { type: 'string', default: '15000' },
    storm: { type: 'string', default: '10000' },
    'storm-rate': { type: 'string', default: '200' },
    'single-core': { type: 'boolean', default: false },
    receipts: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  process.stdout.write(`npm run bench -- [--scenario pairs,ramp,idle,storm] [--setup sqlite,pg-redis] [--json]
  --pairs P --rate R --seconds D        pairs: P pairs, R msgs/s in total for D s (open loop)
  --ramp-start R --ramp-factor F --ramp-max R --ramp-step-seconds D --ramp-p99-ms L (default 100)
  --idle C                               idle: C connections
  --storm C --storm-rate R               storm: C clients dropped at once, R msgs/s flowing meanwhile
  --single-core                          each server pinned to core 0, this load generator to core 1
  --receipts                             receivers answer every message with a delivery_receipt (as the SDK does)
`);
  process.exit(0);
}

const num = (key: keyof typeof values) => Number(values[key]);

if (values['single-core']) {
  // Every thread of this process to core 1; the servers started below get core 0 (servers.ts).
  const pinned = spawnSync('taskset', ['-a', '-cp', '1', String(process.pid)], { encoding: 'utf8' });
  if (pinned.status !== 0) throw new Error(`taskset failed: ${pinned.stderr}`);
  process.env.BENCH_SERVER_CORE = '0';
}
LoadClient.sendsReceipts = values.receipts === true;
const scenarios = String(values.scenario).split(',');
const setups = String(values.setup).split(',') as SetupName[];

function print(result: Result, context: Record<string, number> = {}): void {
  // The machine is shared (database, Redis, load generator and servers): its load goes with every
  // result, and so does what a durable commit costs on its disk (the floor of a send's latency).
  Object.assign(result, context, values.receipts ? { receipts: true } : {});
  result.loadavg_1m = round(loadavg()[0]!, 2);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const rows = Object.entries(result).map(([k, v]) => [k, v === null ? '-' : String(v)] as const);
  const width = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(`\n${rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n')}\n`);
}

function note(text: string): void {
  if (!values.json) process.stdout.write(`${text}\n`);
  else process.stderr.write(`${text}\n`);
}

for (const setup of setups) {
  note(
    `\n== ${setup}: starting ${setup === 'sqlite' ? 'one node on SQLite' : 'two nodes on PostgreSQL + Redis'}`,
  );
  // Taken before the servers start, so they do not share the disk's queue with it.
  const disk = setup === 'sqlite' ? diskCommitLatency() : {};
  const cluster = await startSetup(setup);
  try {
    for (const scenario of scenarios) {
      note(`-- ${scenario}`);
      if (scenario === 'pairs') {
        print(
          await pairsScenario(cluster, { pairs: num('pairs'), rate: num('rate'), seconds: num('seconds') }),
          disk,
        );
      } else if (scenario === 'ramp') {
        const result = await rampScenario(
          cluster,
          {
            pairs: num('pairs'),
            start: num('ramp-start'),
            factor: num('ramp-factor'),
            max: num('ramp-max'),
            stepSeconds: num('ramp-step-seconds'),
            p99LimitMs: num('ramp-p99-ms'),
          },
          (step) =>
            note(
              `   rate ${step.rate}/s: achieved ${step.achieved_per_s}/s p50 ${step.p50_ms} p99 ${step.p99_ms} ms lost ${step.lost} cpu ${step.server_cpu_pct}% (${step.server_cpu_us_per_msg} µs/msg)`,
            ),
        );
        print(result, disk);
      } else if (scenario === 'idle') {
        print(await idleScenario(cluster, num('idle')));
      } else if (scenario === 'storm') {
        print(await stormScenario(cluster, { clients: num('storm'), rate: num('storm-rate') }));
      } else {
        throw new Error(`unknown scenario ${scenario}`);
      }
    }
  } finally {
    await cluster.close();
  }
}
process.exit(0);
