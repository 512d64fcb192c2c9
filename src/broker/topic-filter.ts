/**
 * Whether an MQTT topic filter matches a topic name ([MQTT-4.7.1]: `+` one level, `#` this level
 * and every one below, as the last level only). Topics starting with `$` are the broker's own and
 * never match a wildcard at the first level ([MQTT-4.7.2-1]).
 */
export function topicMatches(filter: string, topic: string): boolean {
  const filterLevels = filter.split('/')
  const topicLevels = topic.split('/')
  if (topic.startsWith('$') && (filterLevels[0] === '+' || filterLevels[0] === '#')) return false
  for (let i = 0; i < filterLevels.length; i++) {
    const level = filterLevels[i]
    if (level === '#') return i === filterLevels.length - 1
    if (i >= topicLevels.length) return false
    if (level !== '+' && level !== topicLevels[i]) return false
  }
  return filterLevels.length === topicLevels.length
}
