/** The groups (gold-delta.ts's grains) an order has a sale line in, as far as gold has looked. */
export interface OrderGroups {
  /**
   * Every sale line of the order is known here: gold found none before the first one it added, and
   * has added every later one since. Then a group not in `groups` has none of its lines.
   */
  readonly complete: boolean
  readonly groups: Set<string>
}

/**
 * What the gold thread remembers of recent orders between its refreshes, so that an order's later
 * lines need no look-up in silver for groups its earlier ones are known to be in (most lines: an
 * order's lines share the day, the customer's region and usually the hour). A cache: on a miss gold
 * asks silver's day index as before, so it may forget at any time; it must forget a day whose
 * silver rows changed under it (gold recomputes that day whole) and everything when gold's
 * additions did not go on from where it last left them (a rolled-back step, another writer).
 */
export class OrdersSeen {
  private readonly days = new Map<string, Map<string, OrderGroups>>()
  private size = 0
  /** Where the additions this remembers end (gold's `sales_through` after them); null: nothing kept. */
  private through: number | null = null

  /** @param capacity orders kept; past it all are forgotten (a store has far fewer orders open at once). */
  constructor(private readonly capacity = 20_000) {}

  /**
   * Additions start after bronze id `from`: what is kept holds only if the last ones ended there.
   * Until endAt, nothing is known to have ended (an addition that throws leaves this unusable).
   */
  continueFrom(from: number): void {
    if (this.through !== from) this.forget()
    this.through = null
  }

  /** The additions now end at bronze id `through`. */
  endAt(through: number): void {
    this.through = through
  }

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

  forget(): void {
    this.days.clear()
    this.size = 0
    this.through = null
  }
}
