import { readFileSync } from 'node:fs';

/** Latency samples in milliseconds, summarised. */
export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarise(samples: number[]): LatencySummary {
  if (samples.length === 0) return { p50: 0, p95: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return {
    p50: round(at(0.5)),
    p95: round(at(0.95)),
    p99: round(at(0.99)),
    max: round(sorted[sorted.length - 1]!),
  };
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

const CLOCK_TICKS = 100;

/** CPU seconds used so far by a process (user + system), from /proc. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Resident memory of a process in bytes, from /proc. */
export function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples CPU and peak RSS of some processes between start() and stop(). */
export class ProcessMeter {
  #cpuStart = 0;
  #started = 0;
  #peakRss = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly pids: () => number[]) {}

  start(): void {
    this.#cpuStart = this.cpu();
    this.#started = performance.now();
    this.#peakRss = this.rss();
    this.#timer = setInterval(() => {
      this.#peakRss = Math.max(this.#peakRss, this.rss());
    }, 250);
  }

  /**
   * CPU as a percentage of one core (200 = both cores of this machine) and in seconds, and peak
   * RSS in MiB.
   */
  stop(): { cpuPercent: number; cpuSeconds: number; rssMiB: number } {
    clearInterval(this.#timer);
    const seconds = (performance.now() - this.#started) / 1000;
    this.#peakRss = Math.max(this.#peakRss, this.rss());
    const used = this.cpu() - this.#cpuStart;
    return {
      cpuPercent: round((used / seconds) * 100, 0),
      cpuSeconds: used,
      rssMiB: round(this.#peakRss / 1048576, 1),
    };
  }

  private cpu(): number {
    return this.pids().reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  }

  private rss(): number {
    return this.pids().reduce((sum, pid) => sum + rssBytes(pid), 0);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
