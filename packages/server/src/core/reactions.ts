import { accessConversation, accessMessage } from './access.js';
import type { Actor } from './actor.js';
import type { AuditLog } from './audit.js';
import { CoreError } from './errors.js';
import { domainEvent, userIdsOf } from './events.js';
import type { MessagingPolicy } from './policy.js';
import type { Bus } from './ports/bus.js';
import type { Clock } from './ports/clock.js';
import type { Store } from './ports/store.js';
import { checkWrite } from './refusals.js';

export interface ReactionDeps {
  store: Store;
  bus: Bus;
  clock: Clock;
  policy: MessagingPolicy;
  audit: AuditLog;
}

/** Emoji reactions: one of each emoji per user per message; every participant's devices hear of it. */
export class ReactionService {
  constructor(private readonly d: ReactionDeps) {}

  /** A reaction changes the conversation: the policy answers as for a send (a read-only one refuses). */
  async add(actor: Actor, messageId: string, emoji: string): Promise<void> {
    const message = await this.reactable(actor, messageId);
    const { conversation, participants } = await accessConversation(
      this.d.store,
      actor,
      message.conversationId,
    );
    await checkWrite(this.d.policy, this.d.audit, actor, conversation, participants, 'react');
    const added = await this.d.store.addReaction({
      messageId,
      userId: actor.userId,
      emoji,
      createdAt: this.d.clock.now().toISOString(),
    });
    if (added) await this.announce('reaction_added', actor, message.conversationId, messageId, emoji);
  }

  async remove(actor: Actor, messageId: string, emoji: string): Promise<void> {
    const message = await this.reactable(actor, messageId);
    if (await this.d.store.removeReaction(messageId, actor.userId, emoji)) {
      await this.announce('reaction_removed', actor, message.conversationId, messageId, emoji);
    }
  }

  private async reactable(actor: Actor, messageId: string) {
    const message = await accessMessage(this.d.store, actor, messageId);
    if (message.deletedAt !== null) throw new CoreError('conflict', 'The message was deleted.');
    return message;
  }

  private async announce(
    type: 'reaction_added' | 'reaction_removed',
    actor: Actor,
    conversationId: string,
    messageId: string,
    emoji: string,
  ): Promise<void> {
    const { participants } = await accessConversation(this.d.store, actor, conversationId);
    await this.d.bus.publish(
      domainEvent(
        type === 'reaction_added' ? 'reaction.added' : 'reaction.removed',
        userIdsOf(participants),
        {
          conversationId,
          messageId,
          userId: actor.userId,
          emoji,
        },
      ),
    );
  }
}
