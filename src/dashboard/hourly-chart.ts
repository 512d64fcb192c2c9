import uPlot from 'uplot'
import type { Formats } from './format.js'

export interface HourPoint {
  hour: number
  amount: number
}

const HEIGHT = 240

/** A CSS custom property of the page's theme (light or dark). */
function themeColor(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim()
}

/**
 * Sales by hour (uPlot, canvas): the day's bars against the day it is compared with as a dashed line.
 * The same figures are in the table under it, for screen readers and for exact values.
 */
export class HourlyChart {
  private plot: uPlot | undefined
  private data: uPlot.AlignedData = [[], [], []]
  private formats: Formats | undefined

  constructor(private readonly container: HTMLElement) {
    new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height: HEIGHT })).observe(container)
    // The theme's colours are baked into the canvas: a change of light/dark redraws it.
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.redraw())
  }

  /** `upToHour`: the hours after it are left empty (not yet), undefined for a whole past day. */
  render(formats: Formats, today: HourPoint[], lastWeek: HourPoint[], upToHour: number | undefined): void {
    const hours = Array.from({ length: 24 }, (_, hour) => hour)
    const byHour = (points: HourPoint[]): Map<number, number> => new Map(points.map((point) => [point.hour, point.amount]))
    const todayByHour = byHour(today)
    const lastByHour = byHour(lastWeek)
    this.data = [
      hours,
      hours.map((hour) => (upToHour !== undefined && hour > upToHour ? null : (todayByHour.get(hour) ?? 0))),
      // Today: the other day's line stops at the hour now (its later hours have nothing to compare with).
      hours.map((hour) => (upToHour !== undefined && hour > upToHour ? null : (lastByHour.get(hour) ?? 0))),
    ]
    if (this.plot && this.formats === formats) {
      this.plot.setData(this.data)
      return
    }
    this.formats = formats
    this.redraw()
  }

  private redraw(): void {
    const formats = this.formats
    if (!formats) return
    this.plot?.destroy()
    const accent = themeColor('--accent')
    const muted = themeColor('--muted')
    const line = themeColor('--line')
    const bars = uPlot.paths.bars!({ size: [0.7, 48] })
    this.plot = new uPlot(
      {
        width: this.width(),
        height: HEIGHT,
        legend: { show: false },
        cursor: { drag: { x: false, y: false }, points: { show: false } },
        scales: {
          x: { time: false, range: [-0.6, 23.6] },
          y: { range: (_plot, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
        },
        axes: [
          {
            stroke: muted,
            grid: { show: false },
            ticks: { stroke: line },
            // Every 3 hours where there is room, every 6 on a phone.
            splits: (plot) => (plot.width < 520 ? [0, 6, 12, 18] : [0, 3, 6, 9, 12, 15, 18, 21]),
            values: (_plot, splits) => splits.map((hour) => formats.hour(hour)),
          },
          {
            stroke: muted,
            grid: { stroke: line },
            ticks: { show: false },
            size: 64,
            values: (_plot, splits) => splits.map((amount) => formats.compactMoney(amount)),
          },
        ],
        series: [
          {},
          { label: 'Today', stroke: accent, fill: accent, paths: bars, points: { show: false } },
          { label: 'Compared with', stroke: themeColor('--last'), width: 2, dash: [6, 4], points: { show: false } },
        ],
      },
      this.data,
      this.container,
    )
  }

  private width(): number {
    return Math.max(200, this.container.clientWidth)
  }
}
