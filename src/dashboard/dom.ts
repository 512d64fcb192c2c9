/** The element with this id; the page's HTML has it (a missing one is a build mistake). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id)
  if (element === null) throw new Error(`the page has no #${id}`)
  return element as T
}

/** A new element with a class and text (textContent: nothing from the API is ever parsed as HTML). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  if (className) element.className = className
  if (text !== undefined) element.textContent = text
  return element
}

/** Replaces a list's or a table body's children. */
export function fill(parent: HTMLElement, children: HTMLElement[]): void {
  parent.replaceChildren(...children)
}

/** Fills a list with an item per entry, or with one line saying there is none. */
export function fillList<T>(list: HTMLElement, entries: readonly T[], item: (entry: T) => HTMLElement, none: string): void {
  fill(list, entries.length === 0 ? [el('li', 'empty', none)] : entries.map(item))
}

/** Runs once the next frame is painted (a frame's callbacks, then a task after it). */
export function afterPaint(run: () => void): void {
  requestAnimationFrame(() => setTimeout(run, 0))
}
