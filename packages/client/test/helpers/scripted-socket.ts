import type { ServerFrame } from '@carechat/protocol';
import type { WebSocketLike } from '../../src/platform.js';

/**
 * A WebSocket the test plays the server of: it decides when the socket opens, what arrives, and
 * when it closes; it reads what the client sent.
 */
export class ScriptedSocket implements WebSocketLike {
  static readonly instances: ScriptedSocket[] = [];
  static reset(): void {
    ScriptedSocket.instances.length = 0;
  }
  static get last(): ScriptedSocket {
    const socket = ScriptedSocket.instances[ScriptedSocket.instances.length - 1];
    if (!socket) throw new Error('no socket was opened');
    return socket;
  }

  readyState = 0;
  readonly sent: Array<Record<string, unknown>> = [];
  closedByClient = false;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(readonly url: string) {
    ScriptedSocket.instances.push(this);
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('not open');
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }

  close(): void {
    this.closedByClient = true;
    this.readyState = 3;
  }

  // The test's side.
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  receive(frame: ServerFrame): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }

  drop(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }

  sentOfType(type: string): Array<Record<string, unknown>> {
    return this.sent.filter((f) => f.type === type);
  }
}
