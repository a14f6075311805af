import type { ReactionAddedEvent, ReactionRemovedEvent, ReactionSummary } from '@carechat/protocol';

/**
 * A message's reaction summaries after one `reaction_added` / `reaction_removed` frame, as the
 * viewer `selfId` sees them. Adding twice or removing what is not there changes nothing for the
 * viewer's own reactions (the server keeps one of each emoji per person).
 */
export function applyReactionChange(
  reactions: readonly ReactionSummary[],
  frame: ReactionAddedEvent | ReactionRemovedEvent,
  selfId: string | undefined,
): ReactionSummary[] {
  const mine = frame.user_id === selfId;
  const current = reactions.find((r) => r.emoji === frame.emoji);
  if (frame.type === 'reaction_added') {
    if (!current) return [...reactions, { emoji: frame.emoji, count: 1, mine }];
    if (mine && current.mine) return [...reactions];
    return reactions.map((r) =>
      r.emoji === frame.emoji ? { ...r, count: r.count + 1, mine: r.mine || mine } : r,
    );
  }
  if (!current || (mine && !current.mine)) return [...reactions];
  if (current.count <= 1) return reactions.filter((r) => r.emoji !== frame.emoji);
  return reactions.map((r) =>
    r.emoji === frame.emoji ? { ...r, count: r.count - 1, mine: mine ? false : r.mine } : r,
  );
}
