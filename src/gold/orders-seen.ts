/** The groups (gold-delta.ts's grains) an order has a sale line in, as far as gold has looked. */
export interface OrderGroups {
  /**
   * Every sale line of the order is known here: gold found none before the first one it added, and
   * has added every later one since. Then a group not in `groups` has none of its lines.
   */
  readonly complete: boolean
  readonly groups: Set<string>
}

/** Where gold stands after a step: its two watermarks (gold-refresher.ts). */
export interface GoldPosition {
  /** The bronze id of the last silver sale added. */
  salesThrough: number
  /** The last silver.day_changes seq applied. */
  changesThrough: number
}

/**
 * What the gold thread remembers of recent orders between its refreshes, so that an order's later
 * lines need no look-up in silver for groups its earlier ones are known to be in (most lines: an
 * order's lines share the day, the customer's region and usually the hour). A cache: on a miss gold
 * asks silver's day index as before, so it may forget at any time. It must forget a day whose
 * silver rows changed under it (gold recomputes that day whole), and everything when a step does
 * not start where this one's last step ended: a step that threw, or another refresher (a
 * `gold rebuild` next to the daemon) that added sales or applied day changes in between.
 */
export class OrdersSeen {
  private readonly days = new Map<string, Map<string, OrderGroups>>()
  private size = 0
  /** Where the last step that used this ended; null: unknown (none yet, or one that did not end). */
  private ended: GoldPosition | null = null

  /**
   * @param capacity orders kept; past it all are forgotten. A store has far fewer orders open at
   * once; an order costs about 440 bytes of heap (measured), so this is ~2 MiB at most.
   */
  constructor(private readonly capacity = 5_000) {}

  /**
   * A step starts at `start`: what is kept holds only if the last one ended there. Until endAt,
   * nothing is known to have ended (a step that throws leaves this to be forgotten).
   */
  continueFrom(start: GoldPosition): void {
    const ended = this.ended
    if (ended === null || ended.salesThrough !== start.salesThrough || ended.changesThrough !== start.changesThrough) this.forget()
    this.ended = null
  }

  /** The step ends at `end`. */
  endAt(end: GoldPosition): void {
    this.ended = end
  }

  /** What is remembered of an order of a day (`store\u0000date`; the order `device\u0000order id`). */
  get(day: string, order: string): OrderGroups | undefined {
    return this.days.get(day)?.get(order)
  }

  /** Starts remembering an order: `complete` when it had no sale line before the one being added. */
  add(day: string, order: string, complete: boolean): OrderGroups {
    if (this.size >= this.capacity) this.forget()
    let orders = this.days.get(day)
    if (orders === undefined) {
      orders = new Map()
      this.days.set(day, orders)
    }
    const entry = { complete, groups: new Set<string>() }
    orders.set(order, entry)
    this.size++
    return entry
  }

  /** A day gold recomputes: its silver rows changed, so what was seen of its orders may not hold. */
  forgetDay(day: string): void {
    const orders = this.days.get(day)
    if (orders === undefined) return
    this.size -= orders.size
    this.days.delete(day)
  }

  /** Forgets every order. */
  forget(): void {
    this.days.clear()
    this.size = 0
    this.ended = null
  }
}
