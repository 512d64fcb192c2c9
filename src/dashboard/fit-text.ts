/** Below this a figure wraps instead of shrinking further: still whole, still readable. */
const MIN_FONT_PX = 14

/**
 * Sizes a figure to its box: money is never cut with "…" (a till at 1024 px, a 768 px tablet and
 * a phone each have room for less than 9,999,999.99 in the card's type). The font shrinks until
 * the text fits; at the floor the text wraps.
 */
export function fitText(element: HTMLElement): void {
  element.style.fontSize = ''
  element.classList.remove('wrapped')
  const available = element.clientWidth
  if (available === 0 || element.scrollWidth <= available) return
  // Text width is close to proportional to the font size: one guess, then a pixel at a time.
  let size = Math.max(MIN_FONT_PX, Math.floor((parseFloat(getComputedStyle(element).fontSize) * available) / element.scrollWidth))
  element.style.fontSize = `${size}px`
  while (element.scrollWidth > available && size > MIN_FONT_PX) element.style.fontSize = `${--size}px`
  if (element.scrollWidth > available) element.classList.add('wrapped')
}

/** Fits every figure in a container now and whenever the container changes width (rotation, resize). */
export function fitFiguresIn(container: HTMLElement, selector: string): () => void {
  const fitAll = (): void => container.querySelectorAll<HTMLElement>(selector).forEach(fitText)
  let width = -1
  new ResizeObserver(([entry]) => {
    // Only a change of width: fitting changes the height, which must not start another round.
    if (entry === undefined || entry.contentRect.width === width) return
    width = entry.contentRect.width
    fitAll()
  }).observe(container)
  return fitAll
}
