/** Identifiers that appear as MQTT topic levels: no `/`, `+`, `#`, no spaces, bounded length. */
export const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/

/** What an operator is told when an id does not match ID_PATTERN. */
export const ID_RULE = 'must be 1-64 characters of A-Z a-z 0-9 _ . : -'
