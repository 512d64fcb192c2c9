import type { Logger } from 'pino'
import { stopInOrder } from './stop-in-order.js'

/** A part of the daemon: its name in the log, how it starts and how it stops. */
export interface Part {
  readonly name: string
  start(): unknown
  /** Also called on a part whose start failed part-way: it stops what it did start. */
  stop(): unknown
}

/**
 * The daemon's parts, in the order they start; they stop in reverse. A part that fails to start
 * fails the start (`stop` then stops it and those before it); a part that fails to stop is logged
 * and the rest still stop (zigbee2mqtt's controller does the same).
 */
export class Parts {
  private started: Part[] = []

  constructor(
    private readonly parts: readonly Part[],
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    for (const part of this.parts) {
      this.started.push(part)
      await part.start()
    }
  }

  /** Returns the names of the parts that failed to stop (empty when all stopped). */
  async stop(): Promise<string[]> {
    const started = this.started.reverse()
    this.started = []
    return stopInOrder(
      started.map((part) => [part.name, () => part.stop()] as const),
      this.logger,
    )
  }
}
