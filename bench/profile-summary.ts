import { readFileSync } from 'node:fs'

/**
 * Where a CPU profile's time goes under one function: self time by function, for the samples whose
 * stack holds `root` (default processNext, silver's batch). Native calls (SQLite through
 * better-sqlite3) count as their JS caller's self time.
 *   npx tsx bench/profile-summary.ts PROFILE.cpuprofile [ROOT] [ROWS]
 * With ROWS, each line also says microseconds per row.
 */
interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string }
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const [file, root = 'processNext', rows] = process.argv.slice(2)
if (file === undefined) {
  console.error('usage: npx tsx bench/profile-summary.ts PROFILE.cpuprofile [ROOT_FUNCTION] [ROWS]')
  process.exit(2)
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const parent = new Map<number, number>()
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
const label = (node: ProfileNode): string => `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.split('/').slice(-2).join('/')}`
const under = (id: number | undefined): boolean => {
  for (; id !== undefined; id = parent.get(id)) if (byId.get(id)!.callFrame.functionName === root) return true
  return false
}
const self = new Map<string, number>()
let total = 0
profile.samples.forEach((id, i) => {
  if (!under(id)) return
  const key = label(byId.get(id)!)
  self.set(key, (self.get(key) ?? 0) + profile.timeDeltas[i]!)
  total += profile.timeDeltas[i]!
})
const perRow = (us: number): string => (rows ? `${(us / Number(rows)).toFixed(2).padStart(6)} us/row ` : '')
console.log(`${(total / 1000).toFixed(0)} ms under ${root}${rows ? ` (${perRow(total).trim()})` : ''}`)
for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
  console.log(`${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)} % ${perRow(us)}${key}`)
}
