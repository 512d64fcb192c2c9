import type { ExpectationConfig } from '../config/schema.js'

/** What the rules need to know about one sale. */
export interface SaleFacts {
  priceMinor: number
  saleTsMs: number
  receivedAtMs: number
  storeKnown: boolean
}

export interface Violation {
  rule: string
  action: 'warn' | 'drop' | 'fail'
  detail: string
}

interface CompiledRule {
  name: string
  action: Violation['action']
  /** A sentence when the sale violates the rule, else undefined. */
  violation: (sale: SaleFacts) => string | undefined
}

const MINUTE_MS = 60_000
const DAY_MS = 86_400_000

function compile(config: ExpectationConfig, minorUnitDigits: number): CompiledRule {
  const name = config.name ?? config.rule
  const scale = 10 ** minorUnitDigits
  switch (config.rule) {
    case 'price_range': {
      const min = Math.round(config.min * scale)
      const max = Math.round(config.max * scale)
      return {
        name,
        action: config.action,
        violation: (sale) =>
          sale.priceMinor < min || sale.priceMinor > max ? `price ${sale.priceMinor / scale} is outside ${config.min}..${config.max}` : undefined,
      }
    }
    case 'timestamp_max_ahead': {
      const limit = config.minutes * MINUTE_MS
      return {
        name,
        action: config.action,
        violation: (sale) =>
          sale.saleTsMs - sale.receivedAtMs > limit
            ? `sale time is ${Math.round((sale.saleTsMs - sale.receivedAtMs) / MINUTE_MS)} min ahead of its receive time (limit ${config.minutes})`
            : undefined,
      }
    }
    case 'timestamp_max_behind': {
      const limit = config.days * DAY_MS
      return {
        name,
        action: config.action,
        violation: (sale) =>
          sale.receivedAtMs - sale.saleTsMs > limit
            ? `sale time is ${((sale.receivedAtMs - sale.saleTsMs) / DAY_MS).toFixed(1)} days behind its receive time (limit ${config.days})`
            : undefined,
      }
    }
    case 'known_store':
      return { name, action: config.action, violation: (sale) => (sale.storeKnown ? undefined : 'the store is not in dim_store') }
  }
}

/**
 * Data-quality rules on silver, as Delta Live Tables' expectations: every violated rule is
 * reported; the caller keeps a sale with warnings, quarantines it on the first `drop`, or stops on
 * the first `fail`.
 */
export class Expectations {
  private readonly rules: CompiledRule[]

  constructor(configs: readonly ExpectationConfig[], minorUnitDigits: number) {
    this.rules = configs.map((config) => compile(config, minorUnitDigits))
  }

  /** The violations of one sale, in rule order. */
  check(sale: SaleFacts): Violation[] {
    const violations: Violation[] = []
    for (const rule of this.rules) {
      const detail = rule.violation(sale)
      if (detail !== undefined) violations.push({ rule: rule.name, action: rule.action, detail })
    }
    return violations
  }
}
