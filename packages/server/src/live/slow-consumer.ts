/**
 * The slow-consumer policy of every live door: a connection whose unsent data passes the bound is
 * cut off rather than allowed to grow memory or stall the others; its client reconnects and
 * resumes by seq (sockets) or cursor (event streams).
 */
export class SlowConsumerPolicy {
  constructor(private readonly maxBufferedBytes: number) {}

  /** Whether a connection with `bufferedBytes` waiting must be cut off before anything more is written. */
  isSlow(bufferedBytes: number): boolean {
    return bufferedBytes > this.maxBufferedBytes;
  }
}
