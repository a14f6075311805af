import type { Message, ServerFrame } from '@carechat/protocol';
import type { OutboxChange } from './outbox.js';
import type { TransportName } from './transports/transport.js';

export type ConnectionState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** Every state change, with why: the close code or HTTP status, and a reason. */
export interface StateChange {
  from: ConnectionState;
  to: ConnectionState;
  code?: number;
  reason?: string;
  transport?: TransportName;
}

/** After every (re)connect, once the client has caught up: did it get everything it missed? */
export interface SyncReport {
  transport: TransportName;
  /** True when every tracked conversation was caught up with nothing missing. */
  recovered: boolean;
  /** Conversations the user no longer has access to (dropped from tracking). */
  lost: string[];
  /** Conversations that could not be caught up this time (retried later); reload them to be sure. */
  failed: string[];
}

/** One event per server frame type, typed by the frame (raw: may repeat; use `message` for messages). */
export type FrameEvents = { [K in ServerFrame['type']]: Extract<ServerFrame, { type: K }> };

export interface SdkEvents {
  state: StateChange;
  /** A message new to this client, per conversation in seq order, each exactly once. */
  message: Message;
  /** A held message was edited or deleted. */
  message_updated: Message;
  synced: SyncReport;
  /** A send was queued, went out, was acknowledged, or failed. */
  outbox: OutboxChange;
  /** Every frame from the server, before it is handled. */
  frame: ServerFrame;
}

export type ClientEvents = FrameEvents & SdkEvents;
