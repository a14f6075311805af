import type { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { CoreError } from './errors.js';

/** zxcvbn's "safely unguessable" (0 … 4): common passwords, keyboard walks and repeats score below. */
const MIN_SCORE = 3;

/** Loaded once; callers that come while it loads wait for the same load, in the order they came. */
let checker: Promise<ZxcvbnFactory> | undefined;

/**
 * Refuses common and too-simple passwords (a maintained list and estimator, not a home-made rule),
 * also judged against what the person told us about themselves (their email and name).
 */
export async function checkPasswordStrength(
  password: string,
  userInputs: readonly string[] = [],
): Promise<void> {
  checker ??= loadChecker();
  const estimator = await checker;
  const inputs = userInputs.flatMap((s) => s.toLowerCase().split(/[^a-z0-9]+/)).filter((s) => s.length > 2);
  if (estimator.check(password, inputs).score < MIN_SCORE) {
    throw new CoreError(
      'invalid_request',
      'This password is too easy to guess (a common password, a pattern or a part of your name or email); choose a longer one, such as a few unrelated words.',
    );
  }
}

/**
 * The estimator and its dictionaries are loaded with the first password checked, not at start:
 * a node restarting under thousands of returning sockets has no password to judge.
 */
async function loadChecker(): Promise<ZxcvbnFactory> {
  const [{ ZxcvbnFactory }, { adjacencyGraphs, dictionary }] = await Promise.all([
    import('@zxcvbn-ts/core'),
    import('@zxcvbn-ts/language-common'),
  ]);
  return new ZxcvbnFactory({ dictionary: { ...dictionary }, graphs: adjacencyGraphs });
}
