import type { Role } from '@carechat/protocol';

/**
 * The escalation ladder: for each role, which steps follow an unread message and when. Written
 * in configuration as `push@5m,email@60m` (a step, `@`, a delay in s, m or h), optionally with
 * `/hours` or `/off-hours` (practitioners: only inside, or only outside, their schedule windows).
 */
export interface LadderStep {
  channel: 'push' | 'email' | 'digest';
  afterMs: number;
  when: 'always' | 'hours' | 'off-hours';
}

export type Ladders = Readonly<Record<Role, readonly LadderStep[]>>;

export const DEFAULT_LADDERS = {
  patient: 'push@5m,email@60m',
  practitioner: 'push@0s/hours,digest@60m/off-hours',
  admin: '',
} as const satisfies Record<Role, string>;

const STEP = /^(push|email|digest)@(\d{1,6})(s|m|h)(?:\/(hours|off-hours))?$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000 } as const;

/** Parses one role's ladder; throws an Error naming the step that does not parse. */
export function parseLadder(text: string): LadderStep[] {
  const steps: LadderStep[] = [];
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const match = STEP.exec(part);
    if (!match) throw new Error(`"${part}" is not channel@delay (push|email|digest @ 5m, 30s, 2h)`);
    const channel = match[1] as LadderStep['channel'];
    if (steps.some((s) => s.channel === channel)) throw new Error(`"${channel}" appears twice`);
    steps.push({
      channel,
      afterMs: Number(match[2]) * UNIT_MS[match[3] as keyof typeof UNIT_MS],
      when: (match[4] as LadderStep['when'] | undefined) ?? 'always',
    });
  }
  return steps;
}

/** The steps of `ladder` that apply to a message arriving inside (or outside) the person's hours. */
export function stepsAt(ladder: readonly LadderStep[], inHours: boolean): LadderStep[] {
  return ladder.filter((s) => s.when === 'always' || (s.when === 'hours') === inHours);
}
