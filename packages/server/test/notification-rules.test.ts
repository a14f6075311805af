import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { parseLadder, stepsAt } from '../src/notify/ladder.js';
import { isPushHost } from '../src/notify/notification-preferences.js';
import { isQuiet, quietEndsAfter } from '../src/notify/quiet-hours.js';
import { UnsubscribeTokens } from '../src/notify/unsubscribe-token.js';

describe('the ladder as configured', () => {
  it('reads channel@delay steps with an optional hours condition', () => {
    expect(parseLadder('push@5m, email@60m')).toEqual([
      { channel: 'push', afterMs: 300_000, when: 'always' },
      { channel: 'email', afterMs: 3_600_000, when: 'always' },
    ]);
    expect(parseLadder('push@0s/hours,digest@1h/off-hours')).toEqual([
      { channel: 'push', afterMs: 0, when: 'hours' },
      { channel: 'digest', afterMs: 3_600_000, when: 'off-hours' },
    ]);
    expect(parseLadder('')).toEqual([]);
  });

  it('refuses what it cannot read, naming the step', () => {
    expect(() => parseLadder('push@5 minutes')).toThrow('"push@5 minutes"');
    expect(() => parseLadder('sms@5m')).toThrow('"sms@5m"');
    expect(() => parseLadder('push@1m,push@2m')).toThrow('"push" appears twice');
  });

  it('keeps the steps that apply inside or outside hours', () => {
    const ladder = parseLadder('push@0s/hours,digest@1h/off-hours,email@2h');
    expect(stepsAt(ladder, true).map((s) => s.channel)).toEqual(['push', 'email']);
    expect(stepsAt(ladder, false).map((s) => s.channel)).toEqual(['digest', 'email']);
  });

  it('is checked at start, with the option named, and half a channel configuration is refused', () => {
    expect(() => loadConfig({ NOTIFY_LADDER_PATIENT: 'push@soon', JWT_SECRET: 'x'.repeat(32) })).toThrow(
      /NOTIFY_LADDER_PATIENT=.*push@soon/,
    );
    expect(() => loadConfig({ VAPID_PUBLIC_KEY: 'B'.repeat(87), JWT_SECRET: 'x'.repeat(32) })).toThrow(
      'set all three or none',
    );
    expect(() => loadConfig({ SMTP_HOST: 'mail.example', JWT_SECRET: 'x'.repeat(32) })).toThrow('set both');
    const quiet = loadConfig({ JWT_SECRET: 'x'.repeat(32) });
    expect(quiet.notify.smtp).toBeUndefined();
    expect(quiet.notify.vapid).toBeUndefined();
  });
});

describe('quiet hours', () => {
  const night = { start: '22:00', end: '07:00', timeZone: 'Europe/Paris' };

  it('run over midnight in the person’s own time zone', () => {
    expect(isQuiet(night, new Date('2026-01-05T20:59:00Z'))).toBe(false);
    expect(isQuiet(night, new Date('2026-01-05T21:00:00Z'))).toBe(true);
    expect(isQuiet(night, new Date('2026-01-06T05:59:00Z'))).toBe(true);
    expect(isQuiet(night, new Date('2026-01-06T06:00:00Z'))).toBe(false);
    expect(isQuiet(null, new Date('2026-01-06T02:00:00Z'))).toBe(false);
  });

  it('end at the first minute outside them', () => {
    expect(quietEndsAfter(night, new Date('2026-01-05T23:30:10Z')).toISOString()).toBe(
      '2026-01-06T06:00:00.000Z',
    );
    // Summer time in Paris: 07:00 local is 05:00 UTC.
    expect(quietEndsAfter(night, new Date('2026-07-01T01:00:00Z')).toISOString()).toBe(
      '2026-07-01T05:00:00.000Z',
    );
  });
});

describe('unsubscribe tokens and push hosts', () => {
  it('a token names one user and cannot be made for another', () => {
    const tokens = new UnsubscribeTokens('s'.repeat(40));
    const token = tokens.issue('usr_alice');
    expect(tokens.verify(token)).toBe('usr_alice');
    const [, mac] = token.split('.');
    expect(tokens.verify(`${Buffer.from('usr_bob').toString('base64url')}.${mac}`)).toBeUndefined();
    expect(new UnsubscribeTokens('t'.repeat(40)).verify(token)).toBeUndefined();
    expect(tokens.verify('garbage')).toBeUndefined();
    expect(tokens.verify(`${token}.extra`)).toBeUndefined();
  });

  it('push endpoints are accepted only at the configured push services', () => {
    const hosts = ['fcm.googleapis.com', '.push.apple.com'];
    expect(isPushHost('fcm.googleapis.com', hosts)).toBe(true);
    expect(isPushHost('web.push.apple.com', hosts)).toBe(true);
    expect(isPushHost('evilpush.apple.com.attacker.test', hosts)).toBe(false);
    expect(isPushHost('fcm.googleapis.com.attacker.test', hosts)).toBe(false);
    expect(isPushHost('169.254.169.254', hosts)).toBe(false);
  });
});
