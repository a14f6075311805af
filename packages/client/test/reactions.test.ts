import type { ReactionAddedEvent, ReactionRemovedEvent, ReactionSummary } from '@carechat/protocol';
import { describe, expect, it } from 'vitest';
import { applyReactionChange } from '../src/reactions.js';

const frame = (
  type: 'reaction_added' | 'reaction_removed',
  userId: string,
  emoji = '👍',
): ReactionAddedEvent | ReactionRemovedEvent => ({
  type,
  conversation_id: 'c1',
  message_id: 'm1',
  user_id: userId,
  emoji,
});

describe('applyReactionChange (reaction summaries as the viewer sees them)', () => {
  it('adds a new emoji, marked mine only when the viewer reacted', () => {
    expect(applyReactionChange([], frame('reaction_added', 'me'), 'me')).toEqual([
      { emoji: '👍', count: 1, mine: true },
    ]);
    expect(applyReactionChange([], frame('reaction_added', 'other'), 'me')).toEqual([
      { emoji: '👍', count: 1, mine: false },
    ]);
  });

  it('counts another person on an existing emoji and keeps the others untouched', () => {
    const before: ReactionSummary[] = [
      { emoji: '👍', count: 1, mine: false },
      { emoji: '❤️', count: 2, mine: true },
    ];
    expect(applyReactionChange(before, frame('reaction_added', 'me'), 'me')).toEqual([
      { emoji: '👍', count: 2, mine: true },
      { emoji: '❤️', count: 2, mine: true },
    ]);
  });

  it('does not count the viewer twice', () => {
    const before: ReactionSummary[] = [{ emoji: '👍', count: 1, mine: true }];
    expect(applyReactionChange(before, frame('reaction_added', 'me'), 'me')).toEqual(before);
  });

  it('removes a reaction, and the emoji with its last one', () => {
    const before: ReactionSummary[] = [{ emoji: '👍', count: 2, mine: true }];
    const after = applyReactionChange(before, frame('reaction_removed', 'me'), 'me');
    expect(after).toEqual([{ emoji: '👍', count: 1, mine: false }]);
    expect(applyReactionChange(after, frame('reaction_removed', 'other'), 'me')).toEqual([]);
  });

  it('ignores removing what the viewer does not have', () => {
    const before: ReactionSummary[] = [{ emoji: '👍', count: 1, mine: false }];
    expect(applyReactionChange(before, frame('reaction_removed', 'me'), 'me')).toEqual(before);
    expect(applyReactionChange([], frame('reaction_removed', 'other'), 'me')).toEqual([]);
  });
});
